// The signal state our caller gave us. Node unblocks every signal and resets every ignored disposition when it starts,
// and spawn does the same for each child, so the sh line at the top of each executable (build.mjs) reads SigBlk and
// SigIgn from /proc/self/status before Node starts, and whatever we start gets that state back through coreutils'
// `env --block-signal/--ignore-signal`: a caller that blocked SIGTERM (tag2upload's Oracle) or ignored SIGHUP (nohup)
// keeps it for the whole process tree, as it would without the gate.

/** "SIGBLK SIGIGN", both hexadecimal as /proc/self/status prints them; empty when /proc was not readable. */
export const INHERITED_SIGNALS_VAR = 'GPG_GATE_INHERITED_SIGNALS';

/** coreutils' env (≥ 8.31) re-applies the state just before it execs the program. */
const ENV_PROGRAM = '/usr/bin/env';

export interface SignalState {
  /** Signal numbers the caller blocked. */
  blocked: number[];
  /** Signal numbers the caller ignored. */
  ignored: number[];
}

const NONE: SignalState = { blocked: [], ignored: [] };

function numbersIn(hex: string): number[] | null {
  if (!/^[0-9a-f]{1,16}$/i.test(hex)) return null;
  const mask = BigInt(`0x${hex}`);
  const out: number[] = [];
  // Standard signals only; SIGKILL (9) and SIGSTOP (19) can be neither blocked nor ignored.
  for (let n = 1; n <= 31; n++) if (n !== 9 && n !== 19 && (mask >> BigInt(n - 1)) & 1n) out.push(n);
  return out;
}

/** The state the launcher captured, or none when it did not run (started as `node FILE`) or could not read /proc. */
export function inheritedSignals(env: NodeJS.ProcessEnv): SignalState {
  const value = env[INHERITED_SIGNALS_VAR];
  if (value === undefined) return NONE;
  const [blk, ign] = value.trim().split(/\s+/);
  const blocked = blk === undefined ? null : numbersIn(blk);
  const ignored = ign === undefined ? null : numbersIn(ign);
  if (blocked === null || ignored === null) return NONE;
  return { blocked, ignored };
}

/** True if the caller blocked or ignored `signal`: then we neither die of it nor pass it on. */
export function isHeldBack(state: SignalState, signal: number): boolean {
  return state.blocked.includes(signal) || state.ignored.includes(signal);
}

/** The program and arguments that start `file` with the caller's signal state (unchanged when there is none). */
export function withSignalState(state: SignalState, file: string, args: readonly string[]): [string, string[]] {
  if (state.blocked.length === 0 && state.ignored.length === 0) return [file, [...args]];
  const options: string[] = [];
  if (state.blocked.length > 0) options.push(`--block-signal=${state.blocked.join(',')}`);
  if (state.ignored.length > 0) options.push(`--ignore-signal=${state.ignored.join(',')}`);
  return [ENV_PROGRAM, [...options, '--', file, ...args]];
}

/** The environment for a child: without our launcher's capture (the child's own launcher reads its own). */
export function childEnvironment(env: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { [INHERITED_SIGNALS_VAR]: _captured, ...rest } = env;
  return { ...rest, ...extra };
}

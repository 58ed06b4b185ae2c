// Starting the supervised command for one attempt: no shell, stdio inherited, the shim first on PATH, the job's
// GPG_GATE_* variables set, and the signal state `run`'s caller gave us (common/signal-state.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { delimiter } from 'node:path';
import { childEnvironment, withSignalState, type SignalState } from '../common/signal-state.js';
import { describeError } from './harness-error.js';

export interface CommandSpec {
  file: string;
  args: readonly string[];
  shimDir: string;
  socket: string;
  token: string;
  job: string;
  /** --sign-in-supervisor: the command signs through the supervisor and is given no key of its own. */
  supervisorSigns: boolean;
  /** The shim goes first on PATH (all modes but --agent-gate --no-shim). */
  shim: boolean;
  /** --agent-gate: the command's GNUPGHOME, whose agent is the proxy. */
  agentGate: { home: string; proxySocket: string } | null;
  signals: SignalState;
}

export interface CommandExit {
  exitCode: number | null;
  signal: string | null;
}

export function commandEnvironment(spec: CommandSpec): NodeJS.ProcessEnv {
  const env = childEnvironment(process.env, {
    ...(spec.shim ? { PATH: `${spec.shimDir}${delimiter}${process.env.PATH ?? ''}` } : {}),
    GPG_GATE_SOCKET: spec.socket,
    GPG_GATE_TOKEN: spec.token,
    GPG_GATE_JOB: spec.job,
  });
  if (spec.supervisorSigns) {
    env.GPG_GATE_BACKEND = 'supervisor';
    delete env.GPG_GATE_KEY;
  }
  if (spec.agentGate) {
    // Every gpg of the job, shimmed or not, signs through the real gpg and the proxy: no key, no other backend.
    env.GNUPGHOME = spec.agentGate.home;
    env.GPG_GATE_AGENT_SOCKET = spec.agentGate.proxySocket;
    delete env.GPG_GATE_BACKEND;
    delete env.GPG_GATE_KEY;
  }
  return env;
}

/**
 * Runs the command to its end. `started` gets its pid once it runs; a command that cannot be started ends with 127
 * (and `note` says why), as a shell would report it.
 */
export async function runCommand(
  spec: CommandSpec,
  started: (pid: number) => void,
  note: (text: string) => void,
): Promise<CommandExit> {
  // node:child_process, not execa: execa costs ~60 ms of CPU at every start-up of `run`.
  let child: ChildProcess;
  try {
    const [program, argv] = withSignalState(spec.signals, spec.file, spec.args);
    child = spawn(program, argv, { stdio: 'inherit', env: commandEnvironment(spec) });
  } catch (err) {
    note(`cannot run ${spec.file}: ${describeError(err)}`);
    return { exitCode: 127, signal: null };
  }
  const ended = new Promise<CommandExit | { error: Error }>((resolve) => {
    // A failed spawn emits 'error' (then 'close'); a running child 'exit'. The first one counts.
    child.once('error', (error) => resolve({ error }));
    child.once('exit', (exitCode, signal) => resolve({ exitCode, signal }));
  });
  // The command does not outlive a supervisor that exits while it runs (an internal error, say).
  const killChild = () => child.kill();
  process.once('exit', killChild);
  if (child.pid !== undefined) started(child.pid);
  const result = await ended;
  process.off('exit', killChild);
  if ('error' in result) {
    const code = (result.error as NodeJS.ErrnoException).code;
    note(`cannot run ${spec.file}: ${code ?? describeError(result.error)}`);
    return { exitCode: 127, signal: null };
  }
  return result.signal !== null
    ? { exitCode: null, signal: result.signal }
    : { exitCode: result.exitCode, signal: null };
}

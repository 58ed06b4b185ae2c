// Test-only fault injection (docs/protocol.md §12): named steps in the shim and in the supervisor where a test makes
// the process SIGKILL itself, pause until released, or see a journal write fail, so that each crash point is reached
// deterministically instead of by sleeping. It lives in protocol/ because it is the one room both peers import; it
// uses node: builtins only (the shim bundle must stay dependency-free).
//
// Armed only when BOTH variables are set: GPG_GATE_TEST_FAULT (what and where) and GPG_GATE_TEST_FAULT_DIR (an
// existing directory for the markers). A single stray variable in production does nothing. Unarmed, a fault point
// costs one environment lookup per process, on its first call.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FAULT_ACTIONS = ['kill', 'pause', 'enospc', 'torn'] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];

/** A pause nobody releases ends in SIGKILL after this long: an abandoned test must not leave a process going on. */
export const PAUSE_LIMIT_MS = 120_000;

interface Armed {
  dir: string;
  faults: Map<string, FaultAction>;
}

let armed: Armed | null | undefined;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Parses GPG_GATE_TEST_FAULT=STEP:ACTION[,STEP:ACTION…]; null unless armed. */
function arm(env: NodeJS.ProcessEnv): Armed | null {
  const spec = env.GPG_GATE_TEST_FAULT;
  if (spec === undefined) return null;
  const dir = env.GPG_GATE_TEST_FAULT_DIR;
  if (!dir || !isDirectory(dir)) return null;
  const faults = new Map<string, FaultAction>();
  for (const item of spec.split(',')) {
    const at = item.lastIndexOf(':');
    const step = item.slice(0, at).trim();
    const action = item.slice(at + 1).trim() as FaultAction;
    if (at <= 0 || !FAULT_ACTIONS.includes(action)) {
      process.stderr.write(
        `gpg-gate: GPG_GATE_TEST_FAULT: ignoring '${item}' (expected STEP:kill|pause|enospc|torn)\n`,
      );
      continue;
    }
    faults.set(step, action);
  }
  return { dir, faults };
}

/** Dies at once, as `kill -9` from outside would; nothing after this line runs. */
export function dieNow(): never {
  process.kill(process.pid, 'SIGKILL');
  // Delivery to ourselves is immediate on Linux; block rather than go on if it is not.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
}

/** Blocks the whole process (no callback, timer or signal handler runs) while `marker` exists. */
function pause(marker: string): void {
  const deadline = Date.now() + PAUSE_LIMIT_MS;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (existsSync(marker)) {
    if (Date.now() > deadline) dieNow();
    Atomics.wait(cell, 0, 0, 5);
  }
}

/**
 * The step `step` is reached. If a fault is armed for it, leaves the marker DIR/STEP.PID.ACTION, then: `kill` dies
 * here; `pause` blocks until the marker is removed (or the process is killed); `enospc` and `torn` are returned for
 * the caller to act on (a journal write fails, or is cut short and the process dies). Otherwise returns null.
 */
export function faultPoint(step: string): 'enospc' | 'torn' | null {
  if (armed === undefined) armed = arm(process.env);
  if (armed === null) return null;
  const action = armed.faults.get(step);
  if (action === undefined) return null;
  const marker = join(armed.dir, `${step}.${process.pid}.${action}`);
  writeFileSync(marker, '');
  if (action === 'kill') dieNow();
  if (action === 'pause') {
    pause(marker);
    return null;
  }
  return action;
}

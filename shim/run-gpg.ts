// Running the real gpg: same argv, same stdio and extra descriptors, same environment, signals forwarded.
import type { StdioOptions } from 'node:child_process';
import { fstatSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { childEnvironment, withSignalState, type SignalState } from '../common/signal-state.js';
import { REENTRY_MARK } from '../common/gpg-lookup.js';
import { onSignal } from './signals.js';

export interface GpgExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunGpgOptions {
  /** Descriptors above 2 that gpg may use; each is passed on if open in the shim. */
  extraFds: readonly number[];
  /** Receives gpg's stdout instead of inheriting it (to hash a signature written to stdout). */
  stdout?: (chunk: Buffer) => void;
  /** gpg's whole standard input, instead of inheriting the shim's. */
  stdin?: Buffer;
  /** Called once gpg has been started. */
  onSpawn?: () => void;
  /** What the shim's caller blocked and ignored, given back to gpg. */
  signals: SignalState;
}

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

// Node passes a descriptor above 2 to the child only when it is listed at its own index in `stdio`; 'ignore' at
// index ≥ 3 leaves that descriptor closed in the child, exactly as it would be without the shim.
function stdioFor(extraFds: readonly number[], pipeStdin: boolean, pipeStdout: boolean): StdioOptions {
  const stdio: (number | 'ignore' | 'pipe')[] = [pipeStdin ? 'pipe' : 0, pipeStdout ? 'pipe' : 1, 2];
  const max = Math.max(2, ...extraFds);
  for (let fd = 3; fd <= max; fd++) stdio.push(extraFds.includes(fd) && isOpen(fd) ? fd : 'ignore');
  return stdio;
}

type Execve = (file: string, args: readonly string[], env: NodeJS.ProcessEnv) => never;

/**
 * How the real gpg is started, spawned or exec'd alike: through env when the caller's signal state needs applying,
 * argv[0] `gpg`, and the re-entry mark in its environment, so that a wrapper which brings the call back to a shim
 * fails at once instead of recursing.
 */
function invocation(gpg: string, argv: readonly string[], signals: SignalState) {
  const [file, args] = withSignalState(signals, gpg, argv);
  return {
    file,
    args,
    argv0: file === gpg ? 'gpg' : file,
    env: childEnvironment(process.env, { [REENTRY_MARK]: gpg }),
  };
}

/**
 * Becomes the real gpg (execve, Node ≥ 22.15), when this Node has it: same pid, gpg's own exit status and death by
 * signal, and no Node process waiting beside it. Node's execve closes every descriptor above 2 (measured on 22.23),
 * so a call that uses one (--status-fd 3, -&4) must be spawned. Returns only when this Node has
 * no execve (Node 20): then the caller spawns gpg instead. Throws if execve itself failed.
 */
export function execGpg(gpg: string, argv: readonly string[], signals: SignalState): void {
  const execve = (process as { execve?: Execve }).execve;
  if (typeof execve !== 'function') return;
  const { file, args, argv0, env } = invocation(gpg, argv, signals);
  execve(file, [argv0, ...args], env);
}

/** Runs gpg to completion, forwarding SIGINT/SIGTERM/SIGHUP/SIGQUIT to it while it runs. */
export function runGpg(gpg: string, argv: readonly string[], options: RunGpgOptions): Promise<GpgExit> {
  // Loaded only here (synchronously, without the ESM loader): a read-only call that ends in execve never needs it,
  // and loading it costs 2-4 ms of start-up on Node 22.
  const { spawn } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve, reject) => {
    const { file, args, argv0, env } = invocation(gpg, argv, options.signals);
    const child = spawn(file, args, {
      stdio: stdioFor(options.extraFds, options.stdin !== undefined, options.stdout !== undefined),
      argv0,
      env,
    });
    if (options.stdin && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin);
    }
    const stopForwarding = onSignal((signal) => {
      child.kill(signal);
    });
    if (child.pid !== undefined) options.onSpawn?.();
    if (options.stdout && child.stdout) {
      const sink = options.stdout;
      child.stdout.on('data', (chunk: Buffer) => {
        sink(chunk);
        // Back-pressure: stop reading gpg while our stdout is full.
        if (!process.stdout.write(chunk)) {
          child.stdout?.pause();
          (process.stdout as Writable).once('drain', () => child.stdout?.resume());
        }
      });
    }
    child.once('error', (err) => {
      stopForwarding();
      reject(err);
    });
    child.once('close', (code, signal) => {
      stopForwarding();
      resolve({ code, signal });
    });
  });
}

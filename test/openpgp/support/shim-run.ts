// Runs the shim with the openpgp backend under the scripted test supervisor, or the real gpg the same way, so that
// tests can compare the two. Asynchronous: the test supervisor lives in the test's own event loop.
import { cleanEnv } from '../../helpers/gnupg-home.js';
import { run, type FdSpec } from '../../helpers/run.js';
import { shimPath, shimPathEnv } from '../../helpers/shim.js';
import { statusLines } from './gpg-runner.js';

export interface ProgramRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  status: string[];
}

export interface RunSpec {
  args: readonly string[];
  cwd: string;
  input?: string | Buffer;
  env: NodeJS.ProcessEnv;
  /** Extra descriptors: fd → bytes written to it, then closed (a passphrase, say). */
  fds?: Record<number, string>;
  /** Status lines on this descriptor (default 3, captured); null: no --status-fd added. */
  statusFd?: number | null;
  timeoutMs?: number;
}

/** Runs `program` with `--status-fd N` prepended (unless statusFd is null), capturing descriptor N. */
export async function runProgram(program: string, spec: RunSpec): Promise<ProgramRun> {
  const statusFd = spec.statusFd === undefined ? 3 : spec.statusFd;
  const fds: Record<number, FdSpec> = {};
  for (const [fd, text] of Object.entries(spec.fds ?? {})) fds[Number(fd)] = { write: text };
  if (statusFd !== null && statusFd > 2) fds[statusFd] = 'out';
  const args = statusFd === null ? spec.args : ['--status-fd', String(statusFd), ...spec.args];
  const r = await run(program, args, {
    cwd: spec.cwd,
    env: spec.env,
    input: spec.input ?? '',
    fds,
    timeoutMs: spec.timeoutMs ?? 60_000,
  });
  let statusText = '';
  if (statusFd !== null) statusText = statusFd > 2 ? (r.fds[statusFd]?.toString() ?? '') : '';
  return { code: r.code, stdout: r.stdout, stderr: r.stderr.toString(), status: statusLines(statusText) };
}

/** The environment of the shim with the openpgp backend, supervised by `gate` (GPG_GATE_SOCKET/TOKEN/JOB). */
export function openpgpEnv(gate: Record<string, string>, keyFile: string, extra: NodeJS.ProcessEnv = {}) {
  return cleanEnv({
    PATH: shimPathEnv(),
    GPG_GATE_BACKEND: 'openpgp',
    GPG_GATE_KEY: keyFile,
    ...gate,
    ...extra,
  });
}

export function runShim(spec: RunSpec): Promise<ProgramRun> {
  return runProgram(shimPath, spec);
}

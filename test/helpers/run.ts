// Runs a program asynchronously with captured stdio and extra descriptors, for tests that need to interact with it
// (write to fd 4, send a signal) while it runs.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  /** What the program wrote to each extra descriptor opened as 'out'. */
  fds: Record<number, Buffer>;
}

export type FdSpec = 'out' | 'keep-open' | { write: string | Buffer };

export interface RunOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
  /** stdin is a pipe that is never written or closed (a caller that must not be read from). */
  keepStdinOpen?: boolean;
  /** Extra descriptors: captured, kept open and never written, or written once and closed. */
  fds?: Record<number, FdSpec>;
  timeoutMs?: number;
}

export interface Running {
  child: ChildProcess;
  done: Promise<RunResult>;
}

export function start(program: string, args: readonly string[], options: RunOptions): Running {
  const fdSpec = options.fds ?? {};
  const max = Math.max(2, ...Object.keys(fdSpec).map(Number));
  const stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe'];
  for (let fd = 3; fd <= max; fd++) stdio.push(fdSpec[fd] === undefined ? 'ignore' : 'pipe');
  const child = spawn(program, args, { cwd: options.cwd, env: options.env, stdio });
  const collect = (stream: Readable | null | undefined) => {
    const chunks: Buffer[] = [];
    stream?.on('data', (c: Buffer) => chunks.push(c));
    return chunks;
  };
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  const fdChunks: Record<number, Buffer[]> = {};
  for (const [key, spec] of Object.entries(fdSpec)) {
    const fd = Number(key);
    const stream = child.stdio[fd] as (Readable & Writable) | null;
    if (spec === 'out') fdChunks[fd] = collect(stream);
    else if (spec !== 'keep-open') stream?.end(spec.write);
    stream?.on('error', () => undefined);
  }
  child.stdin?.on('error', () => undefined);
  if (!options.keepStdinOpen) child.stdin?.end(options.input ?? '');
  const done = new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} ${args.join(' ')}: timed out`));
    }, options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const fds: Record<number, Buffer> = {};
      for (const [fd, chunks] of Object.entries(fdChunks)) fds[Number(fd)] = Buffer.concat(chunks);
      resolve({ code, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), fds });
    });
  });
  return { child, done };
}

export function run(program: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return start(program, args, options).done;
}

/** `head -c SIZE /dev/zero | PROGRAM ARGS`: a large stdin that no test process holds in memory. */
export function zerosInto(
  size: number,
  program: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const head = spawn('head', ['-c', String(size), '/dev/zero'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const child = spawn(program, args, { ...options, stdio: [head.stdout, 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
  });
}

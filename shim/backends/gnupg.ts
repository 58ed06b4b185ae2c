// The gnupg backend: the real gpg signs the spooled bytes, its output going exactly where gpg would have put it.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import { faultPoint } from '../../common/fault-point.js';
import type { SignClassification } from '../argv/types.js';
import type { SignalState } from '../../common/signal-state.js';
import { runGpg } from '../run-gpg.js';
import type { SigningBackend, SignJob, SignOutcome } from './backend.js';

/**
 * gpg's argv with the inputs replaced by the spool file. The output and the literal data packet's file name are made
 * explicit so that they are what gpg would have used for the caller's own inputs.
 */
export function delegateArgv(argv: readonly string[], c: SignClassification, spoolPath: string): string[] {
  const extra: string[] = [];
  if (c.output === null) extra.push('--output', c.effectiveOutput);
  if (c.mode === 'inline' && c.setFilename === null) {
    const first = c.args[0];
    extra.push('--set-filename', first === undefined || first === '-' ? '' : first);
  }
  return [...argv.slice(0, c.optionsEnd), ...extra, '--', spoolPath];
}

/** Outputs up to this size are hashed with synchronous calls: cheaper than thread-pool round trips for a signature. */
const SYNC_HASH_MAX = 1024 * 1024;

/** The digest of what gpg wrote. One reused buffer and no stream: the shim loads no stream machinery to sign. */
export async function fileSha256(path: string): Promise<{ sha256: string; size: number } | null> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    // A large output (an inline signature of a large file) is read asynchronously, so signals are still handled.
    const small = fstatSync(fd).size <= SYNC_HASH_MAX;
    let size = 0;
    for (;;) {
      const bytesRead = small ? readSync(fd, buffer, 0, buffer.length, null) : await readAsync(fd, buffer);
      if (bytesRead === 0) return { sha256: hash.digest('hex'), size };
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function readAsync(fd: number, buffer: Buffer): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buffer, 0, buffer.length, null, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

export function gnupgBackend(gpg: string, signals: SignalState): SigningBackend {
  return { sign: (job) => signWithGnupg(gpg, signals, job) };
}

async function signWithGnupg(gpg: string, signals: SignalState, job: SignJob): Promise<SignOutcome> {
  const c = job.classification;
  const toStdout = job.spoolPath !== null && c.effectiveOutput === '-';
  const hash = createHash('sha256');
  let size = 0;
  const argv = job.spoolPath === null ? [...job.argv] : delegateArgv(job.argv, c, job.spoolPath);
  const exit = await runGpg(gpg, argv, {
    extraFds: c.extraFds,
    signals,
    onSpawn: () => faultPoint('shim.gpg-running'),
    ...(job.stdinLine ? { stdin: job.stdinLine } : {}),
    ...(toStdout
      ? {
          stdout: (chunk: Buffer) => {
            hash.update(chunk);
            size += chunk.length;
          },
        }
      : {}),
  });
  let output: SignOutcome['output'] = null;
  if (toStdout) output = { sha256: hash.digest('hex'), size };
  else if (job.spoolPath !== null) output = await fileSha256(c.effectiveOutput);
  return { ...exit, output };
}

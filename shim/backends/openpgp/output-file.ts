// Where the signature goes: standard output, or a file created the way gpg creates it (an existing file is replaced
// only with --yes; in batch mode gpg refuses, interactively it would ask on the terminal, which this backend does not).
import { closeSync, constants, existsSync, openSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { GPG_ERROR, SigningError, signingFailed } from '../../../openpgp-core/signing-error.js';
import { writeAll } from './fd-io.js';

export interface Output {
  write(chunk: Uint8Array): void;
  /** Closes the output and returns the digest and size of everything written. */
  finish(): { sha256: string; size: number };
  /** Removes a partly written file (gpg's iobuf_cancel); standard output cannot be taken back. */
  discard(): void;
}

function fileExists(path: string, batch: boolean): SigningError {
  if (batch) return signingFailed('file-exists', 'File exists', GPG_ERROR.fileExists, `${path}: File exists`);
  const why = `gpg-gate (openpgp backend): '${path}' exists; gpg would ask on the terminal whether to overwrite it, this backend does not (use --yes, or remove it)`;
  return new SigningError('file-exists', why, {
    log: [why],
    failure: `sign ${GPG_ERROR.fileExists}`,
    reason: 'File exists',
  });
}

export function openOutput(target: string, opts: { yes: boolean; batch: boolean }): Output {
  const hash = createHash('sha256');
  let size = 0;
  let fd = 1;
  const toFile = target !== '-';
  if (toFile) {
    if (!opts.yes && existsSync(target)) throw fileExists(target, opts.batch);
    const flags = constants.O_WRONLY | constants.O_CREAT | (opts.yes ? constants.O_TRUNC : constants.O_EXCL);
    try {
      fd = openSync(target, flags, 0o666);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EEXIST') throw fileExists(target, opts.batch);
      throw new SigningError('io', `can't create '${target}': ${e.message}`, {
        log: [`can't create '${target}': ${e.message}`],
        failure: `sign ${GPG_ERROR.general}`,
        reason: e.message,
      });
    }
  }
  let open = true;
  return {
    write(chunk) {
      hash.update(chunk);
      size += chunk.length;
      writeAll(fd, chunk);
    },
    finish() {
      if (toFile && open) closeSync(fd);
      open = false;
      return { sha256: hash.digest('hex'), size };
    },
    discard() {
      if (!toFile) return;
      if (open) closeSync(fd);
      open = false;
      try {
        unlinkSync(target);
      } catch {
        // Already gone.
      }
    },
  };
}

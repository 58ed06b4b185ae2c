// Where the supervisor's signature goes on the caller's side: standard output, or the file gpg would write (its default
// names included), created only when the first byte arrives and replaced only as gpg would (--yes; in batch mode an
// existing file is an error; interactively gpg would ask on the terminal, which the shim does not).
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, openSync, unlinkSync } from 'node:fs';
import { writeAll } from './openpgp/fd-io.js';

export interface OutputRules {
  yes: boolean;
  batch: boolean;
}

/** Why gpg would not write `target`, in gpg's words, or null. */
export function existingOutput(target: string, rules: OutputRules): { log: string[]; reason: string } | null {
  if (target === '-' || rules.yes || !existsSync(target)) return null;
  if (rules.batch) return { log: [], reason: 'File exists' };
  return {
    log: [
      `gpg-gate (supervisor backend): '${target}' exists; gpg would ask on the terminal whether to overwrite it, the shim does not (use --yes, or remove it)`,
    ],
    reason: 'File exists',
  };
}

/** Receives the output in order (without ever throwing: a write error is kept for the end). */
export class SignatureOutput {
  private readonly hash = createHash('sha256');
  private size = 0;
  /** Where the bytes go once opened: the file, or 1 for standard output (never closed here). */
  private fd: number | null = null;
  private opened = false;
  /** finish() or discard() was called: later bytes (still arriving before a signal ends us) go nowhere. */
  private closed = false;
  /** We created (or truncated) the file: only then is it ours to remove. */
  private created = false;
  /** The first error opening or writing, in gpg's words. */
  error: string | null = null;

  constructor(
    private readonly target: string,
    private readonly rules: OutputRules,
  ) {}

  write(data: Buffer): void {
    if (this.error !== null || this.closed) return;
    try {
      if (!this.opened) this.open();
      this.hash.update(data);
      this.size += data.length;
      if (this.fd !== null) writeAll(this.fd, data);
    } catch (err) {
      this.error ??= (err as Error).message;
    }
  }

  private open(): void {
    this.opened = true;
    if (this.target === '-') {
      this.fd = 1;
      return;
    }
    if (existingOutput(this.target, this.rules)) throw new Error(`${this.target}: File exists`);
    const flags = constants.O_WRONLY | constants.O_CREAT | (this.rules.yes ? constants.O_TRUNC : constants.O_EXCL);
    try {
      this.fd = openSync(this.target, flags, 0o666);
      this.created = true;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EEXIST' ? `${this.target}: File exists` : `can't create '${this.target}': ${e.message}`;
      throw new Error(why, { cause: err });
    }
  }

  /** Closes the output; the digest and size of what was written, or null if nothing was. */
  finish(): { sha256: string; size: number } | null {
    this.close();
    return this.opened && this.error === null ? { sha256: this.hash.digest('hex'), size: this.size } : null;
  }

  /** Removes a partly written file (as gpg does on failure); standard output cannot be taken back. */
  discard(): void {
    this.close();
    if (!this.created) return;
    this.created = false;
    try {
      unlinkSync(this.target);
    } catch {
      // Never created, or already gone.
    }
  }

  private close(): void {
    if (this.fd !== null && this.fd !== 1) closeSync(this.fd);
    this.fd = null;
    this.closed = true;
  }
}

// Failures of the openpgp signing core, each carrying what gpg would say about it, so that every caller (the shim,
// the supervisor) reports it the same way gpg does.
import { GPG_ERROR } from '../common/gpg-errors.js';

export { GPG_ERROR };

/**
 * no-secret-key, unusable-secret-key, invalid-user-id: key selection (gpg's `skipped "X": …`).
 * bad-passphrase, no-passphrase, no-pinentry, cancelled, batch-no-input: unlocking the key.
 * invalid-digest: --digest-algo names nothing gpg knows.
 * file-exists: the output exists and gpg would not overwrite it.
 * unsupported: gpg would do this, but this backend cannot do it faithfully (never a wrong result instead).
 * bad-key-file: the key file cannot be read or holds no usable secret key material.
 * io: reading the data or writing the output failed.
 */
export type SigningErrorCode =
  | 'no-secret-key'
  | 'unusable-secret-key'
  | 'invalid-user-id'
  | 'bad-passphrase'
  | 'no-passphrase'
  | 'no-pinentry'
  | 'cancelled'
  | 'batch-no-input'
  | 'invalid-digest'
  | 'file-exists'
  | 'unsupported'
  | 'bad-key-file'
  | 'io';

export interface GpgReport {
  /** Lines gpg logs at the point of failure, without the `gpg: ` prefix. */
  log: string[];
  /** The `[GNUPG:] FAILURE …` status line gpg prints (without the prefix), or null when gpg prints none. */
  failure: string | null;
  /** The closing `signing failed: …` reason (gpg's strerror text), or null when gpg prints none. */
  reason: string | null;
}

export class SigningError extends Error {
  readonly code: SigningErrorCode;
  readonly gpg: GpgReport;

  constructor(code: SigningErrorCode, message: string, gpg: Partial<GpgReport> = {}, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SigningError';
    this.code = code;
    this.gpg = { log: gpg.log ?? [], failure: gpg.failure ?? null, reason: gpg.reason ?? null };
  }
}

/** A SigningError for a failure gpg reports only as `signing failed: <reason>` with a FAILURE line. */
export function signingFailed(
  code: SigningErrorCode,
  reason: string,
  failureCode: number,
  message = reason,
  log: string[] = [],
): SigningError {
  return new SigningError(code, message, { log, failure: `sign ${failureCode}`, reason });
}

/** The backend cannot work at all (no key file, say): gpg-gate's own message, gpg's general failure. */
export function setupFailure(what: string): SigningError {
  const message = `gpg-gate (openpgp backend): ${what}`;
  return new SigningError('bad-key-file', message, {
    log: [message],
    failure: `sign ${GPG_ERROR.general}`,
    reason: 'General error',
  });
}

/** Something gpg would do that this backend refuses to do rather than do differently. */
export function unsupported(what: string): SigningError {
  const message = `gpg-gate (openpgp backend): ${what}`;
  return new SigningError('unsupported', message, {
    log: [message],
    failure: `sign ${GPG_ERROR.notImplemented}`,
    reason: 'Not implemented',
  });
}

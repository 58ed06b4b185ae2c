// Failures the shim reports gpg-style. None of them ever results in a signature.
import { GPG_ERROR } from '../common/gpg-errors.js';

/**
 * refused: signing was not permitted (no supervisor, abort, timeout, lost socket, malformed reply).
 * usage:   the command line cannot be classified with certainty, or gpg would reject it.
 * input:   an input to be signed could not be read.
 * reported: the signing backend refused the call before the gate and has already said why, gpg-style.
 * setup:   the shim itself cannot work (no real gpg, bad configuration).
 */
export type ShimErrorKind = 'refused' | 'usage' | 'input' | 'reported' | 'setup';

export class ShimError extends Error {
  constructor(
    readonly kind: ShimErrorKind,
    message: string,
    options?: { cause?: unknown; errno?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShimError';
    this.errno = options?.errno ?? null;
  }
  readonly errno: string | null;
}

/** The stderr lines and the status-fd line gpg would print for this failure. */
export function describe(err: ShimError): { stderr: string[]; status: string | null } {
  switch (err.kind) {
    case 'refused':
      return {
        stderr: [`gpg: signing refused by gpg-gate: ${err.message}`],
        status: `FAILURE sign ${GPG_ERROR.canceled}`,
      };
    case 'usage':
      return { stderr: [`gpg: ${err.message}`], status: `FAILURE option-parser ${GPG_ERROR.general}` };
    case 'input': {
      const code = err.errno === 'ENOENT' ? GPG_ERROR.enoent : GPG_ERROR.general;
      const reason = err.message.replace(/^.*: /, '');
      return { stderr: [`gpg: ${err.message}`, `gpg: signing failed: ${reason}`], status: `FAILURE sign ${code}` };
    }
    case 'reported':
      return { stderr: [], status: null };
    case 'setup':
      return { stderr: [`gpg: gpg-gate: ${err.message}`], status: `FAILURE sign ${GPG_ERROR.general}` };
  }
}

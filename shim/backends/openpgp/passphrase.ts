// The passphrase gpg would have read: --passphrase-fd N or --passphrase-file F (one line, read at start-up, whether
// or not a key needs it), else --passphrase. gpg-agent only takes it in loopback pinentry mode (see core/unlock.ts).
import { closeSync, openSync } from 'node:fs';
import type { Classification } from '../../argv/types.js';
import { unsupported } from '../../../openpgp-core/signing-error.js';
import { readLineFromFd } from './fd-io.js';

export interface PassphraseRead {
  passphrase: string | null;
  /** gpg's log_error lines (e.g. an unreadable --passphrase-file): gpg goes on, but exits 2 at the end. */
  errors: string[];
}

export function readPassphrase(c: Classification, dataOnStdin: boolean, stdinLine: Buffer | null): PassphraseRead {
  const fd = c.fds.passphrase;
  if (fd !== null && c.passphraseFile !== null) {
    // gpg keeps whichever came last; the classification does not say which that was.
    throw unsupported('--passphrase-fd together with --passphrase-file is not supported');
  }
  if (fd !== null) {
    // The shim read standard input as the data to sign, setting aside the first line, which gpg reads first.
    if (fd === 0 && dataOnStdin) {
      if (stdinLine === null) throw unsupported('--passphrase-fd 0 with the data on standard input is not supported');
      const text = stdinLine.toString('utf8');
      return { passphrase: text.endsWith('\n') ? text.slice(0, -1) : text, errors: [] };
    }
    return { passphrase: readLineFromFd(fd), errors: [] };
  }
  if (c.passphraseFile !== null) {
    let file: number;
    try {
      file = openSync(c.passphraseFile, 'r');
    } catch (err) {
      return { passphrase: null, errors: [`can't open '${c.passphraseFile}': ${(err as Error).message}`] };
    }
    try {
      return { passphrase: readLineFromFd(file), errors: [] };
    } finally {
      closeSync(file);
    }
  }
  return { passphrase: c.passphrase, errors: [] };
}

// The signer `gpg-gate run --sign-in-supervisor` was asked for, set up once at start-up: a key that cannot be used
// is a usage error before anything runs, never a failure at the commitment point.
import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { HarnessError, describeError } from '../harness-error.js';
import type { Signer, SignerBackend, SignerDescription } from './signer.js';

/** What --sign-in-supervisor signs with: one shape per backend, each with exactly what it needs. */
export type SignerOptions =
  | { backend: 'gnupg'; gnupghome: string; passphraseFile: string | null }
  | { backend: 'openpgp'; key: string; passphraseFile: string | null };

/** gpg's --passphrase-file: the first line, without its newline. */
export function readPassphraseFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new HarnessError('usage', `cannot read --passphrase-file ${path}: ${describeError(err)}`, { cause: err });
  }
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(4096);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(0x0a);
      chunks.push(Buffer.from(buf.subarray(0, nl < 0 ? n : nl)));
      if (nl >= 0) break;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export function describeSigner(o: SignerOptions): SignerDescription {
  return o.backend === 'gnupg'
    ? { backend: o.backend, gnupghome: o.gnupghome, key: null }
    : { backend: o.backend, gnupghome: null, key: o.key };
}

export async function openSigner(o: SignerOptions): Promise<Signer> {
  if (o.backend === 'gnupg') {
    // Loaded only here: the CLI starts without them (openpgp.js alone is most of the bundle).
    const { GnupgSigner } = await import('./gnupg-signer.js');
    return GnupgSigner.open({ gnupghome: o.gnupghome, passphraseFile: o.passphraseFile });
  }
  const passphrase = o.passphraseFile === null ? null : readPassphraseFile(o.passphraseFile);
  const { OpenpgpSigner } = await import('./openpgp-signer.js');
  return OpenpgpSigner.open({ keyFile: o.key, passphrase });
}

/** The --sign-in-supervisor options as commander parsed them. */
export interface SignerFlags {
  signInSupervisor?: boolean;
  backend?: SignerBackend;
  gnupghome?: string;
  key?: string;
  passphraseFile?: string;
}

/** Checks how the options combine; null when the supervisor does not sign. Throws HarnessError('usage'). */
export function signerOptions(flags: SignerFlags): SignerOptions | null {
  if (!flags.signInSupervisor) {
    const stray = [
      flags.backend && '--backend',
      flags.gnupghome && '--gnupghome',
      flags.key && '--key',
      flags.passphraseFile && '--passphrase-file',
    ].find(Boolean);
    if (stray) throw new HarnessError('usage', `${stray} goes with --sign-in-supervisor`);
    return null;
  }
  const backend: SignerBackend = flags.backend ?? (flags.key !== undefined ? 'openpgp' : 'gnupg');
  const passphraseFile = flags.passphraseFile === undefined ? null : resolve(flags.passphraseFile);
  if (backend === 'gnupg') {
    if (flags.gnupghome === undefined) throw new HarnessError('usage', '--backend gnupg needs --gnupghome DIR');
    if (flags.key !== undefined) throw new HarnessError('usage', '--key goes with --backend openpgp');
    return { backend, gnupghome: resolve(flags.gnupghome), passphraseFile };
  }
  if (flags.key === undefined) throw new HarnessError('usage', '--backend openpgp needs --key FILE');
  if (flags.gnupghome !== undefined) throw new HarnessError('usage', '--gnupghome goes with --backend gnupg');
  return { backend, key: resolve(flags.key), passphraseFile };
}

/**
 * A warning when the command would inherit a way to the signing key (GNUPGHOME, or ~/.gnupg, naming the signer's
 * home): then the key is in the build environment after all, and the gate only detects.
 */
export function keyReachableWarning(o: SignerOptions, env: NodeJS.ProcessEnv = process.env): string | null {
  if (o.backend !== 'gnupg') return null;
  const childHome = env.GNUPGHOME ? resolve(env.GNUPGHOME) : join(homedir(), '.gnupg');
  const same = (a: string, b: string) => {
    try {
      return realpathSync(a) === realpathSync(b);
    } catch {
      return false;
    }
  };
  if (!same(childHome, o.gnupghome)) return null;
  return `warning: the command inherits GNUPGHOME ${childHome}, the signer's own home: it can reach the key (run it with another GNUPGHOME, or isolate it)`;
}

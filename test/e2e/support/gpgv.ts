// Verification by a program that shares nothing with the shim or the signing home: gpgv with an exported keyring.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { GnupgHome } from '../../helpers/gnupg-home.js';

/** Exports the public keys of `home` into the keyring file `path`. */
export function exportKeyring(home: GnupgHome, path: string): string {
  writeFileSync(path, execFileSync('gpg', ['--batch', '--export'], { env: home.env }));
  return path;
}

export interface GpgvResult {
  code: number | null;
  /** The status lines without their "[GNUPG:] " prefix. */
  status: string[];
  stderr: string;
}

/** `gpgv --status-fd=1 --keyring KEYRING FILE...` as dgit-repos-server runs it. */
export function gpgv(keyring: string, files: string[], env: NodeJS.ProcessEnv): GpgvResult {
  const r = spawnSync('gpgv', ['--status-fd=1', '--keyring', keyring, ...files], { env, encoding: 'utf8' });
  return {
    code: r.status,
    status: r.stdout
      .split('\n')
      .filter((l) => l.startsWith('[GNUPG:] '))
      .map((l) => l.slice('[GNUPG:] '.length)),
    stderr: r.stderr,
  };
}

/** The fingerprint of the key that made the (single) good signature, or null. */
export function validSigner(r: GpgvResult): string | null {
  if (r.code !== 0 || !r.status.some((l) => l.startsWith('GOODSIG '))) return null;
  const valid = r.status.find((l) => l.startsWith('VALIDSIG '));
  return valid?.split(' ')[1] ?? null;
}

// The demo's signing key: generated on the fly with openpgp.js, used for a minute, deleted with its directory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';

export interface ThrowawayKey {
  fingerprint: string;
  userId: string;
  /** Armored secret key file (GPG_GATE_KEY for the shim's openpgp backend). */
  secretFile: string;
  publicArmored: string;
}

export async function makeThrowawayKey(dir: string): Promise<ThrowawayKey> {
  const user = { name: 'gpg-gate demo maintainer', email: 'demo@example.invalid' };
  // ed25519Legacy: the EdDSA key form gpg 2.2 reads too, so the signatures verify with either.
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [user],
    format: 'armored',
  });
  const key = await openpgp.readPrivateKey({ armoredKey: privateKey });
  const secretFile = join(dir, 'demo-key.sec.asc');
  writeFileSync(secretFile, privateKey, { mode: 0o600 });
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    userId: `${user.name} <${user.email}>`,
    secretFile,
    publicArmored: publicKey,
  };
}

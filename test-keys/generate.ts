// Generates the throwaway OpenPGP keys used by the tests and the demo. Never use them for anything real.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';

export type TestKeyName = 'ed25519' | 'rsa3072' | 'subkey' | 'passphrase';

export interface TestKeyInfo {
  name: TestKeyName;
  userId: string;
  email: string;
  /** Primary key fingerprint, upper-case hex. */
  fingerprint: string;
  /** Fingerprint of the key gpg signs data with (the signing subkey for `subkey`). */
  signingFingerprint: string;
  /** 16-hex-digit long key id of the primary key. */
  keyId: string;
  /** Public-key algorithm number of the data-signing key (1 RSA, 22 EdDSA). */
  algorithm: number;
  passphrase: string | null;
  secretFile: string;
  publicFile: string;
}

export const TEST_PASSPHRASE = 'throwaway test passphrase';

/** Where the generated keys live; git-ignored (see test-keys/README.md). */
export const generatedDir = join(dirname(fileURLToPath(import.meta.url)), 'generated');

interface Spec {
  name: TestKeyName;
  options: openpgp.KeyOptions;
}

function specs(date: Date): Spec[] {
  const uid = (name: TestKeyName, label: string) => ({
    name: `gpg-gate test ${label}`,
    email: `${name}@example.invalid`,
  });
  return [
    { name: 'ed25519', options: { type: 'ecc', curve: 'ed25519Legacy', userIDs: [uid('ed25519', 'Ed25519')], date } },
    { name: 'rsa3072', options: { type: 'rsa', rsaBits: 3072, userIDs: [uid('rsa3072', 'RSA 3072')], date } },
    {
      name: 'subkey',
      options: {
        type: 'ecc',
        curve: 'ed25519Legacy',
        userIDs: [uid('subkey', 'signing subkey')],
        date,
        // The signing subkey is newer than the primary key, so gpg prefers it for data signatures.
        subkeys: [{}, { sign: true, date: new Date(date.getTime() + 1000) }],
      },
    },
    {
      name: 'passphrase',
      options: {
        type: 'ecc',
        curve: 'ed25519Legacy',
        userIDs: [uid('passphrase', 'passphrase-protected')],
        passphrase: TEST_PASSPHRASE,
        date,
      },
    },
  ];
}

async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, path);
}

/** Generates all test keys into `dir` and writes `keys.json` describing them. */
export async function generateTestKeys(dir: string = generatedDir): Promise<TestKeyInfo[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // A day in the past, so that gpg with --faked-system-time near "now" accepts the keys.
  const date = new Date(Math.floor(Date.now() / 1000) * 1000 - 86_400_000);
  const infos: TestKeyInfo[] = [];
  for (const { name, options } of specs(date)) {
    const { privateKey, publicKey } = await openpgp.generateKey({ ...options, format: 'armored' });
    const key = await openpgp.readPrivateKey({ armoredKey: privateKey });
    const signing =
      name === 'subkey'
        ? key
            .getSubkeys()
            .find(
              (s) => s.getAlgorithmInfo().algorithm === 'eddsaLegacy' && s.keyPacket.created > key.keyPacket.created,
            )
        : undefined;
    const signingKey = signing ?? key;
    const secretFile = resolve(dir, `${name}.sec.asc`);
    const publicFile = resolve(dir, `${name}.pub.asc`);
    await writeAtomic(secretFile, privateKey);
    await writeAtomic(publicFile, publicKey);
    const user = (options.userIDs as { name: string; email: string }[])[0]!;
    infos.push({
      name,
      userId: `${user.name} <${user.email}>`,
      email: user.email,
      fingerprint: key.getFingerprint().toUpperCase(),
      signingFingerprint: signingKey.getFingerprint().toUpperCase(),
      keyId: key.getKeyID().toHex().toUpperCase(),
      algorithm: name === 'rsa3072' ? 1 : 22,
      passphrase: options.passphrase ?? null,
      secretFile,
      publicFile,
    });
  }
  await writeAtomic(join(dir, 'keys.json'), JSON.stringify(infos, null, 2) + '\n');
  return infos;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const infos = await generateTestKeys(process.argv[2] ?? generatedDir);
  for (const k of infos) process.stdout.write(`${k.name}\t${k.fingerprint}\t${k.userId}\n`);
}

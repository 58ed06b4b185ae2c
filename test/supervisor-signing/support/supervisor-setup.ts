// The supervisor's side of a --sign-in-supervisor job: where its key is (a GNUPGHOME, or a key file with a passphrase
// file) and the `gpg-gate run` options that select it. Everything lives in private temporary directories.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../../helpers/gate-run.js';
import { makeGnupgHome } from '../../helpers/gnupg-home.js';
import { TEST_PASSPHRASE, testKeys, type TestKeyInfo, type TestKeyName } from '../../helpers/test-keys.js';

export type SignerBackend = 'gnupg' | 'openpgp';

export interface SupervisorSetup {
  backend: SignerBackend;
  key: TestKeyInfo;
  /** `gpg-gate run` options: --sign-in-supervisor and how the supervisor signs. */
  runArgs: string[];
  /** Paths that hold the secret key material: the build environment must not be able to read any of them. */
  secretPaths: string[];
  cleanup(): void;
}

/** Which throwaway key each backend signs with in these tests. */
export const KEY_OF: Record<SignerBackend, TestKeyName> = {
  // A key whose data signatures are made by a signing subkey (gpg's choice, and the core's).
  gnupg: 'subkey',
  // A passphrase-protected key, unlocked once at start-up from --passphrase-file.
  openpgp: 'passphrase',
};

export function supervisorSetup(backend: SignerBackend, keyName: TestKeyName = KEY_OF[backend]): SupervisorSetup {
  const key = testKeys()[keyName];
  if (backend === 'gnupg') {
    const home = makeGnupgHome([keyName]);
    const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-supervisor-'));
    const passphraseFile = join(dir, 'passphrase');
    if (key.passphrase) writeFileSync(passphraseFile, `${key.passphrase}\n`, { mode: 0o600 });
    return {
      backend,
      key,
      runArgs: [
        '--sign-in-supervisor',
        '--backend',
        'gnupg',
        '--gnupghome',
        home.dir,
        ...(key.passphrase ? ['--passphrase-file', passphraseFile] : []),
      ],
      secretPaths: [join(home.dir, 'private-keys-v1.d'), resolve(ROOT, key.secretFile)],
      cleanup() {
        home.cleanup();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-supervisor-'));
  const keyFile = join(dir, 'signing-key.asc');
  copyFileSync(resolve(ROOT, key.secretFile), keyFile);
  const passphraseFile = join(dir, 'passphrase');
  writeFileSync(passphraseFile, `${key.passphrase ?? TEST_PASSPHRASE}\n`, { mode: 0o600 });
  return {
    backend,
    key,
    runArgs: ['--sign-in-supervisor', '--backend', 'openpgp', '--key', keyFile, '--passphrase-file', passphraseFile],
    secretPaths: [keyFile, passphraseFile, resolve(ROOT, key.secretFile)],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

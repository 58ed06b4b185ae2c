// The throwaway keys as one armored key file, in the order the test GNUPGHOME imported them (gpg's keyring order).
import { readFileSync } from 'node:fs';
import { testKeys, type TestKeyName } from '../../helpers/test-keys.js';

export const KEY_ORDER: TestKeyName[] = ['ed25519', 'rsa3072', 'subkey', 'passphrase'];

export function keyFileText(names: readonly TestKeyName[] = KEY_ORDER): string {
  const keys = testKeys();
  return names.map((n) => readFileSync(keys[n].secretFile, 'utf8')).join('\n');
}

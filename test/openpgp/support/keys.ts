// The throwaway keys as one armored key file, in the order the test GNUPGHOME imported them (gpg's keyring order).
import { readFileSync } from 'node:fs';
import { testKeys, type TestKeyName } from '../../helpers/test-keys.js';

export const KEY_ORDER: TestKeyName[] = ['ed25519', 'rsa3072', 'subkey', 'passphrase'];

export function keyFileText(names: readonly TestKeyName[] = KEY_ORDER): string {
  const keys = testKeys();
  return names.map((n) => readFileSync(keys[n].secretFile, 'utf8')).join('\n');
}

/**
 * A frozen signing time for `--faked-system-time N!` comparisons: an hour ago (the test keys are a day old). Never the
 * current second: gpg 2.2 ignores a faked time equal to its clock (gnupg_set_time falls back to the real clock), so a
 * signature made as the second ticks over came out one second later than ours.
 */
export const FAKED_TIME = Math.floor(Date.now() / 1000) - 3600;

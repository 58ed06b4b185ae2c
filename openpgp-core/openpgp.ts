// The one door to openpgp.js. Its consumers hand it in: the shim's CommonJS bundle must load openpgp.js's CommonJS
// build (the ES module build reads import.meta.url at load time, which a CommonJS bundle does not have), while an ES
// module bundle such as the supervisor's must load the ES module build (the CommonJS build reads __filename). Each
// bundle then contains only the build it runs.
import type * as OpenPGP from 'openpgp';
export type { PrivateKey, Subkey, SecretKeyPacket, SecretSubkeyPacket, Config } from 'openpgp';

export type OpenpgpLib = typeof OpenPGP;

let lib: OpenpgpLib | null = null;

/** Gives the core the openpgp.js module to use: `provideOpenpgp(await import('openpgp'))` or `require('openpgp')`. */
export function provideOpenpgp(module: OpenpgpLib): void {
  lib = module;
}

export function openpgp(): OpenpgpLib {
  if (!lib) throw new Error('openpgp.js has not been provided to the signing core (call provideOpenpgp first)');
  return lib;
}

// The one door to openpgp.js. The shim's main bundle imports only node: builtins; this code is bundled separately
// (dist/shim/gpg-gate-openpgp.cjs) and loaded only when a call signs with the openpgp backend.
//
// require() rather than import: it makes esbuild bundle openpgp.js's CommonJS build. Its ES module build reads
// import.meta.url at load time, which does not exist in the shim's CommonJS bundles. (Vitest and the supervisor's
// ESM bundle, whose banner defines require, take the same path.)
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const openpgp = require('openpgp') as typeof import('openpgp');
// eslint-disable-next-line no-restricted-imports -- types only: the value comes from require() above
export type { PrivateKey, Subkey, SecretKeyPacket, SecretSubkeyPacket, Config } from 'openpgp';

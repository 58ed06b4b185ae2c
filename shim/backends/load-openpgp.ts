// The openpgp backend is a separate bundle next to the shim, loaded only when a call actually signs with it, so that
// passthrough calls never pay for parsing openpgp.js.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ShimError } from '../shim-error.js';
import type { SigningBackend } from './backend.js';

export const OPENPGP_BUNDLE = 'gpg-gate-openpgp.cjs';

export function loadOpenpgpBackend(): SigningBackend {
  const path = join(__dirname, OPENPGP_BUNDLE);
  if (!existsSync(path))
    throw new ShimError('setup', `GPG_GATE_BACKEND=openpgp needs ${path}, which is missing (reinstall the shim)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the shim is CommonJS; this loads a sibling bundle
  const mod = require(path) as Partial<SigningBackend>;
  if (typeof mod.sign !== 'function') throw new ShimError('setup', `${path} does not export sign()`);
  return { sign: mod.sign, ...(typeof mod.precheck === 'function' ? { precheck: mod.precheck } : {}) };
}

// The real gpg for the supervisor's gnupg signer: the lookup the shim uses (common/gpg-lookup.ts), without a PATH
// entry of its own and never a relative one, its failures reported as usage errors.
import { GpgLookupError, findRealGpg } from '../../common/gpg-lookup.js';
import { HarnessError } from '../harness-error.js';

export function findGpgProgram(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return findRealGpg(env, { self: null, absoluteOnly: true });
  } catch (err) {
    if (err instanceof GpgLookupError) throw new HarnessError('usage', `--backend gnupg: ${err.message}`);
    throw err;
  }
}

// The real gpg for the supervisor's gnupg signer: GPG_GATE_REAL_GPG, else the first `gpg` on the supervisor's PATH
// that is not a gpg-gate shim (a shim would only ask a supervisor again).
import { delimiter, isAbsolute, join } from 'node:path';
import { isExecutableFile, isShim } from '../../shim/real-gpg.js';
import { HarnessError } from '../harness-error.js';

export function findGpgProgram(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.GPG_GATE_REAL_GPG;
  if (explicit) {
    if (!isAbsolute(explicit) || !isExecutableFile(explicit) || isShim(explicit)) {
      throw new HarnessError('usage', `GPG_GATE_REAL_GPG='${explicit}' is not the absolute path of the real gpg`);
    }
    return explicit;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    // The supervisor never runs a gpg from its working directory ('' or '.') or any other relative entry.
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, 'gpg');
    if (isExecutableFile(candidate) && !isShim(candidate)) return candidate;
  }
  throw new HarnessError('usage', '--backend gnupg: no real gpg on PATH (set GPG_GATE_REAL_GPG)');
}

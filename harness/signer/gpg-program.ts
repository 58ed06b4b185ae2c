// The real gpg for the supervisor's gnupg signer: GPG_GATE_REAL_GPG, else the first `gpg` on the supervisor's PATH
// that is not a gpg-gate shim (a shim would only ask a supervisor again).
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { MARKER_SCAN_BYTES, SHIM_MARKER } from '../../shim/marker.js';
import { HarnessError } from '../harness-error.js';

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isShim(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(MARKER_SCAN_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).includes(SHIM_MARKER);
  } finally {
    closeSync(fd);
  }
}

export function findGpgProgram(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.GPG_GATE_REAL_GPG;
  if (explicit) {
    if (!isAbsolute(explicit) || !isExecutableFile(explicit) || isShim(explicit)) {
      throw new HarnessError('usage', `GPG_GATE_REAL_GPG='${explicit}' is not the absolute path of the real gpg`);
    }
    return explicit;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue; // the supervisor never runs a gpg from its working directory
    const candidate = join(dir, 'gpg');
    if (isExecutableFile(candidate) && !isShim(candidate)) return candidate;
  }
  throw new HarnessError('usage', '--backend gnupg: no real gpg on PATH (set GPG_GATE_REAL_GPG)');
}

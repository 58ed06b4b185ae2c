// Finding the real gpg: GPG_GATE_REAL_GPG, else the first `gpg` on PATH that is not a copy of the shim.
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { delimiter, isAbsolute } from 'node:path';
import { MARKER_SCAN_BYTES, SHIM_MARKER } from './marker.js';
import { ShimError } from './shim-error.js';

/** True if the file at `path` is a copy of the shim (recognised by its marker, not its name). */
export function isShim(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(MARKER_SCAN_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    // latin1 maps byte to char one to one, so this is a byte search; cheaper at start-up than Buffer#includes.
    return buf.toString('latin1', 0, n).includes(SHIM_MARKER);
  } finally {
    closeSync(fd);
  }
}

export function isExecutableFile(path: string): boolean {
  try {
    // Most PATH directories hold no gpg: no thrown ENOENT for those (an exception per directory adds up).
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findRealGpg(env: NodeJS.ProcessEnv): string {
  const explicit = env.GPG_GATE_REAL_GPG;
  if (explicit) {
    if (!isAbsolute(explicit))
      throw new ShimError('setup', `GPG_GATE_REAL_GPG must be an absolute path, not '${explicit}'`);
    if (!isExecutableFile(explicit))
      throw new ShimError('setup', `GPG_GATE_REAL_GPG='${explicit}' is not an executable file`);
    if (isShim(explicit))
      throw new ShimError('setup', `GPG_GATE_REAL_GPG='${explicit}' is a gpg-gate shim, not the real gpg`);
    return explicit;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    // An empty PATH element means the current directory, as for execvp. The candidate always holds a slash:
    // path.join('.', 'gpg') is 'gpg', which spawn would look up on PATH again, finding the shim first.
    const candidate = `${dir || '.'}${dir.endsWith('/') ? '' : '/'}gpg`;
    if (isExecutableFile(candidate) && !isShim(candidate)) return candidate;
  }
  throw new ShimError('setup', 'no real gpg found on PATH (every gpg there is a gpg-gate shim); set GPG_GATE_REAL_GPG');
}

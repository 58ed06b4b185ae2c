// Finding the real gpg: GPG_GATE_REAL_GPG, else the next `gpg` on PATH after the entry the shim itself was found in
// (real paths compared, as ccache-style wrappers do), skipping every copy of the shim; a shim that finds the mark a
// shim leaves in the environment of the gpg it starts fails at once, so a wrapper that loops back can never recurse.
import { accessSync, closeSync, constants, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute } from 'node:path';
import { MARKER_SCAN_BYTES, SHIM_MARKER } from './marker.js';
import { ShimError } from './shim-error.js';

/** Set by a shim in the environment of the gpg it starts: the program it delegated to. */
export const REENTRY_MARK = 'GPG_GATE_SHIM_DELEGATED_TO';

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

function realPath(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** PATH's `gpg` candidates in order. An empty element is the current directory, as for execvp. */
function pathCandidates(env: NodeJS.ProcessEnv): string[] {
  // Every candidate holds a slash: path.join('.', 'gpg') is 'gpg', which spawn would look up on PATH again.
  return (env.PATH ?? '').split(delimiter).map((dir) => `${dir || '.'}${dir.endsWith('/') ? '' : '/'}gpg`);
}

/**
 * Fails if this shim was started, directly or through wrappers, by the gpg another shim delegated to: that gpg (a
 * wrapper that runs "the first gpg on PATH") came back to the gate instead of reaching the real program.
 */
export function checkReentry(env: NodeJS.ProcessEnv): void {
  const delegate = env[REENTRY_MARK];
  if (delegate === undefined) return;
  throw new ShimError(
    'setup',
    `re-entered: the gpg a gpg-gate shim ran ('${delegate}') ran a gpg-gate shim again (a gpg wrapper that loops back to the shim); set GPG_GATE_REAL_GPG to the real gpg`,
  );
}

/**
 * The real gpg for a shim started as `self` (its own path, process.argv[1]), or for a caller that is no shim (null):
 * the first non-shim `gpg` after the PATH entry `self` is, then from the start of PATH; the first overall when `self`
 * is not on PATH.
 */
export function findRealGpg(env: NodeJS.ProcessEnv, self: string | null = null): string {
  checkReentry(env);
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
  const candidates = pathCandidates(env);
  let start = 0;
  const me = self === null ? null : realPath(self);
  if (me !== null) {
    const own = candidates.findIndex((c) => isExecutableFile(c) && realPath(c) === me);
    if (own >= 0) start = own + 1;
  }
  for (let k = 0; k < candidates.length; k++) {
    const candidate = candidates[(start + k) % candidates.length] as string;
    if (isExecutableFile(candidate) && !isShim(candidate)) return candidate;
  }
  throw new ShimError('setup', 'no real gpg found on PATH (every gpg there is a gpg-gate shim); set GPG_GATE_REAL_GPG');
}

// Finding the real gpg, for the shim and for the supervisor's gnupg signer alike: GPG_GATE_REAL_GPG, else the next
// `gpg` on PATH after the entry the shim itself was found in (real paths compared, as ccache-style wrappers do),
// skipping every copy of the shim; a shim that finds the mark a shim leaves in the environment of the gpg it starts
// fails at once, so a wrapper that loops back can never recurse.
import { accessSync, closeSync, constants, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute } from 'node:path';
import { MARKER_SCAN_BYTES, SHIM_MARKER } from './shim-marker.js';

/** The lookup failed; the shim reports it gpg-style (exit 2), the supervisor as a usage error. */
export class GpgLookupError extends Error {
  override readonly name = 'GpgLookupError';
}

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

/**
 * PATH's `gpg` candidates in order. An empty element is the current directory, as for execvp; with `absoluteOnly`
 * (the supervisor, which never runs a gpg from its working directory) relative elements are skipped.
 */
function pathCandidates(env: NodeJS.ProcessEnv, absoluteOnly: boolean): string[] {
  const dirs = (env.PATH ?? '').split(delimiter).filter((dir) => !absoluteOnly || isAbsolute(dir));
  // Every candidate holds a slash: path.join('.', 'gpg') is 'gpg', which spawn would look up on PATH again.
  return dirs.map((dir) => `${dir || '.'}${dir.endsWith('/') ? '' : '/'}gpg`);
}

/**
 * Fails if this shim was started, directly or through wrappers, by the gpg another shim delegated to: that gpg (a
 * wrapper that runs "the first gpg on PATH") came back to the gate instead of reaching the real program.
 */
export function checkReentry(env: NodeJS.ProcessEnv): void {
  const delegate = env[REENTRY_MARK];
  if (delegate === undefined) return;
  throw new GpgLookupError(
    `re-entered: the gpg a gpg-gate shim ran ('${delegate}') ran a gpg-gate shim again (a gpg wrapper that loops back to the shim); set GPG_GATE_REAL_GPG to the real gpg`,
  );
}

export interface LookupOptions {
  /** The shim's own path (process.argv[1]); null for a caller that is no shim. */
  self: string | null;
  absoluteOnly?: boolean;
}

/**
 * The real gpg: the first non-shim `gpg` after the PATH entry `self` is in, then from the start of PATH; the first
 * overall when `self` is null or not on PATH. Throws GpgLookupError.
 */
export function findRealGpg(env: NodeJS.ProcessEnv, options: LookupOptions): string {
  const { self, absoluteOnly = false } = options;
  checkReentry(env);
  const explicit = env.GPG_GATE_REAL_GPG;
  if (explicit) {
    if (!isAbsolute(explicit))
      throw new GpgLookupError(`GPG_GATE_REAL_GPG must be an absolute path, not '${explicit}'`);
    if (!isExecutableFile(explicit))
      throw new GpgLookupError(`GPG_GATE_REAL_GPG='${explicit}' is not an executable file`);
    if (isShim(explicit))
      throw new GpgLookupError(`GPG_GATE_REAL_GPG='${explicit}' is a gpg-gate shim, not the real gpg`);
    return explicit;
  }
  const candidates = pathCandidates(env, absoluteOnly);
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
  throw new GpgLookupError('no real gpg found on PATH (every gpg there is a gpg-gate shim); set GPG_GATE_REAL_GPG');
}

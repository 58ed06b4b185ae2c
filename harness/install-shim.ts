// `gpg-gate install-shim DIR`: a self-contained copy of the shim (plus any lazily loaded .cjs bundle beside it), e.g.
// for a chroot that has nodejs but not this package.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessError, describeError } from './harness-error.js';
import { shimDir } from './paths.js';

/** Copies through a temporary name, so a concurrent caller never runs a half-written shim. Returns the files. */
export function installShim(target: string, source: string = shimDir()): string[] {
  const files = ['gpg', ...readdirSync(source).filter((f) => f.endsWith('.cjs'))];
  try {
    mkdirSync(target, { recursive: true });
    for (const file of files) {
      const dest = join(target, file);
      const tmp = `${dest}.${process.pid}.tmp`;
      copyFileSync(join(source, file), tmp);
      chmodSync(tmp, 0o755);
      renameSync(tmp, dest);
    }
  } catch (err) {
    throw new HarnessError('shim', `cannot install the shim into ${target}: ${describeError(err)}`, { cause: err });
  }
  return files.map((f) => join(target, f));
}

// `gpg-gate install-shim DIR`: a self-contained copy of the shim (plus any lazily loaded .cjs bundle beside it), e.g.
// for a chroot that has nodejs but not this package.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { HarnessError, describeError } from './harness-error.js';
import { shimDir } from './paths.js';

/** Whether Node would load an extension-less file in `dir` as ESM (the nearest package.json says "type": "module"). */
function inModuleScope(dir: string): boolean {
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      return (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { type?: unknown }).type === 'module';
    } catch {
      // No (readable) package.json here: look further up.
    }
    if (dirname(d) === d) return false;
  }
}

/** Copies through a temporary name, so a concurrent caller never runs a half-written shim. Returns the files. */
export function installShim(target: string, source: string = shimDir()): string[] {
  const files = ['gpg', ...readdirSync(source).filter((f) => f.endsWith('.cjs'))];
  const written: string[] = [];
  const install = (file: string, write: (tmp: string) => void, mode: number) => {
    const dest = join(target, file);
    const tmp = `${dest}.${process.pid}.tmp`;
    write(tmp);
    chmodSync(tmp, mode);
    renameSync(tmp, dest);
    written.push(dest);
  };
  try {
    mkdirSync(target, { recursive: true });
    for (const file of files) install(file, (tmp) => copyFileSync(join(source, file), tmp), 0o755);
    // The shim is CommonJS without an extension: inside a "type": "module" package it needs its own scope.
    if (inModuleScope(target)) install('package.json', (tmp) => writeFileSync(tmp, '{ "type": "commonjs" }\n'), 0o644);
  } catch (err) {
    throw new HarnessError('shim', `cannot install the shim into ${target}: ${describeError(err)}`, { cause: err });
  }
  return written;
}

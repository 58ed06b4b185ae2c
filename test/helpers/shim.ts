// Where the built shim is, and how tests put it first on PATH.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const shimDir = join(projectRoot, 'dist', 'shim');
export const shimPath = join(shimDir, 'gpg');

/** PATH with the shim directory first. */
export function shimPathEnv(path: string = process.env.PATH ?? '/usr/bin:/bin'): string {
  return `${shimDir}:${path}`;
}

// Where things live: the shim next to the CLI bundle, journals under the XDG state directory.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from './harness-error.js';

/**
 * The directory holding the `gpg` shim: `shim/` beside the running bundle (dist/gpg-gate.js → dist/shim), resolved
 * from this file's location, never from the working directory. Unbundled (tests importing harness/*.ts), ../dist/shim.
 */
export function shimDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, 'shim'), resolve(here, '..', 'dist', 'shim')]) {
    if (existsSync(join(dir, 'gpg'))) return dir;
  }
  throw new HarnessError('shim', `the gpg shim was not found next to ${here} (run npm run build)`);
}

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Job ids name files, so they are restricted to a safe alphabet. */
export function checkJobId(job: string): string {
  if (!JOB_ID.test(job)) {
    throw new HarnessError('usage', `--job must be 1-64 characters of A-Z a-z 0-9 . _ - (not starting with . _ -)`);
  }
  return job;
}

export function newJobId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

/** $XDG_STATE_HOME/gpg-gate/<job>.jsonl, or ~/.local/state/gpg-gate/<job>.jsonl. */
export function defaultJournal(job: string, env: NodeJS.ProcessEnv = process.env): string {
  const state =
    env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(state, 'gpg-gate', `${job}.jsonl`);
}

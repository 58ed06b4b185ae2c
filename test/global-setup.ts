// Runs once before the suite: fresh bundles in dist/ and the throwaway keys, and one scratch directory for what the
// test processes share (GNUPGHOME templates, which hold throwaway secret keys), removed when the suite ends even if a
// worker was killed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestKeys } from './helpers/test-keys.js';
import { SCRATCH_VAR } from './helpers/scratch.js';

export default async function setup(): Promise<() => void> {
  // @ts-expect-error build.mjs is plain JavaScript without types.
  const { buildAll } = (await import('../build.mjs')) as { buildAll: () => Promise<void> };
  await buildAll();
  await ensureTestKeys();
  const scratch = mkdtempSync(join(tmpdir(), 'gpg-gate-suite-'));
  // Workers are started after this and inherit it.
  process.env[SCRATCH_VAR] = scratch;
  return () => rmSync(scratch, { recursive: true, force: true });
}

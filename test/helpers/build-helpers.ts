// Test helpers that must run as real processes are bundled to plain JS once per test process.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let built: Promise<string> | null = null;

/** Path of the bundled sign-client (see sign-client.ts); run it with `node PATH FILE`. */
export function signClient(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-helpers-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'sign-client.mjs');
    await build({
      entryPoints: [join(here, 'sign-client.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      outfile: out,
      logLevel: 'warning',
    });
    return out;
  })();
  return built;
}

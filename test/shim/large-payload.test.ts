// A 2 GiB payload on stdin signed through the gate: the shim streams it (spool + hash) with bounded memory.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateServer, type GateServer } from '../helpers/gate-server.js';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { shimPath, shimPathEnv } from '../helpers/shim.js';
import { requireTool } from '../helpers/require-tool.js';
import { zerosInto } from '../helpers/run.js';

const SIZE = 2 * 1024 ** 3;
const RSS_LIMIT_KIB = 150 * 1024;

let home: GnupgHome;
let work: string;
let server: GateServer;

beforeAll(async () => {
  home = makeGnupgHome(['ed25519']);
  work = mkdtempSync(join(tmpdir(), 'gpg-gate-large-'));
  server = await startGateServer('proceed');
});
afterAll(async () => {
  await server.close();
  home.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** sha256 of SIZE zero bytes, computed here independently of the shim. */
function zerosSha256(): string {
  const hash = createHash('sha256');
  const block = Buffer.alloc(16 * 1024 * 1024);
  for (let done = 0; done < SIZE; done += block.length) hash.update(block);
  return hash.digest('hex');
}

describe('large payload', () => {
  it('2 GiB on stdin: signed, digest exact, shim peak RSS < 150 MiB', async (ctx) => {
    requireTool(ctx, '/usr/bin/time', 'GNU time (package "time") measures the peak RSS');
    const rssFile = join(work, 'rss');
    const env = { ...home.env, PATH: shimPathEnv(), ...server.env() };
    const r = await zerosInto(
      SIZE,
      '/usr/bin/time',
      ['-f', '%M', '-o', rssFile, shimPath, '-bsau', home.keys.ed25519.fingerprint],
      { env, cwd: work },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);
    const peakKiB = Number(readFileSync(rssFile, 'utf8').trim());
    console.log(`shim peak RSS for a 2 GiB payload: ${(peakKiB / 1024).toFixed(1)} MiB`);
    expect(peakKiB).toBeGreaterThan(0);
    expect(peakKiB).toBeLessThan(RSS_LIMIT_KIB);

    expect(server.requests[0]).toMatchObject({
      size: SIZE,
      inputs: [{ name: '-', size: SIZE }],
      sha256: zerosSha256(),
    });
    writeFileSync(join(work, 'sig.asc'), r.stdout);
    const verify = await zerosInto(SIZE, 'gpg', ['--batch', '--verify', join(work, 'sig.asc'), '-'], {
      env: home.env,
      cwd: work,
    });
    expect(verify.code, verify.stderr).toBe(0);
    // The signature really covers the 2 GiB: the same data with one byte more does not verify (BAD signature).
    const wrong = await zerosInto(SIZE + 1, 'gpg', ['--batch', '--verify', join(work, 'sig.asc'), '-'], {
      env: home.env,
      cwd: work,
    });
    expect(wrong.code, wrong.stderr).toBe(1);
    expect(wrong.stderr).toMatch(/BAD signature/);
  }, 300_000);
});

// A 1 GiB payload on stdin, detached-signed by the openpgp backend through the shim: streamed end to end, the shim's
// peak RSS bounded, and the signature covers exactly those bytes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateServer, type GateServer } from '../helpers/gate-server.js';
import { makeEmptyGnupgHome, makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';
import { zerosInto } from '../helpers/run.js';
import { shimPath } from '../helpers/shim.js';
import { keyFileText } from './support/keys.js';
import { openpgpEnv } from './support/shim-run.js';

const SIZE = 1024 ** 3;
const RSS_LIMIT_KIB = 150 * 1024;

let verifier: GnupgHome;
let shimHome: GnupgHome;
let server: GateServer;
let work: string;

beforeAll(async () => {
  verifier = makeGnupgHome(['ed25519']);
  shimHome = makeEmptyGnupgHome();
  server = await startGateServer('proceed');
  work = mkdtempSync(join(tmpdir(), 'gpg-gate-openpgp-large-'));
});
afterAll(async () => {
  await server.close();
  verifier.cleanup();
  shimHome.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('large input', () => {
  it('1 GiB on stdin, detached: signed, verifies, shim peak RSS bounded', async (ctx) => {
    requireTool(ctx, '/usr/bin/time', 'GNU time measures the peak RSS');
    const keyFile = join(work, 'key.asc');
    writeFileSync(keyFile, keyFileText(['ed25519']));
    const rssFile = join(work, 'rss');
    const started = performance.now();
    const r = await zerosInto(
      SIZE,
      '/usr/bin/time',
      ['-f', '%M', '-o', rssFile, shimPath, '--status-fd=2', '-bsau', 'ed25519@example.invalid'],
      { env: openpgpEnv(server.env(), keyFile, { GNUPGHOME: shimHome.dir }), cwd: work },
    );
    const seconds = (performance.now() - started) / 1000;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\[GNUPG:\] SIG_CREATED D 22 8 00 \d+ [0-9A-F]{40}$/m);
    const peakKiB = Number(readFileSync(rssFile, 'utf8').trim());
    console.log(
      `openpgp backend, 1 GiB on stdin (detached): shim peak RSS ${(peakKiB / 1024).toFixed(1)} MiB, ${seconds.toFixed(1)} s including spooling`,
    );
    expect(peakKiB).toBeGreaterThan(0);
    expect(peakKiB).toBeLessThan(RSS_LIMIT_KIB);
    expect(server.requests.at(-1)).toMatchObject({ size: SIZE, backend: 'openpgp' });

    writeFileSync(join(work, 'sig.asc'), r.stdout);
    const verify = await zerosInto(SIZE, 'gpg', ['--batch', '--verify', join(work, 'sig.asc'), '-'], {
      env: verifier.env,
      cwd: work,
    });
    expect(verify.code, verify.stderr).toBe(0);
    // It covers exactly that GiB: the same data with one byte more does not verify (BAD signature).
    const wrong = await zerosInto(SIZE + 1, 'gpg', ['--batch', '--verify', join(work, 'sig.asc'), '-'], {
      env: verifier.env,
      cwd: work,
    });
    expect(wrong.code, wrong.stderr).toBe(1);
    expect(wrong.stderr).toMatch(/BAD signature/);
  }, 180_000);
});

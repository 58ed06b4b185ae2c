// `npm run demo` must keep telling the truth: run dist/demo.js as a user would (with nothing on PATH but node: no gpg)
// and check its story in the combined output — the 500 before the commitment point retried, the commit hook once per
// run, the failure after the commitment point not retriable — plus its promises: under a minute, exit 0, no leftovers.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv } from '../helpers/gnupg-home.js';

const DEMO = join(ROOT, 'dist', 'demo.js');

let t: TempDir;
let output = '';
let code: number | null = null;
let tmpAfter: string[] = [];
let homeAfter: string[] = [];

beforeAll(async () => {
  t = tempDir('gpg-gate-e2e-demo-');
  const bin = t.path('bin');
  const tmp = t.path('tmp');
  mkdirSync(bin);
  mkdirSync(tmp);
  symlinkSync(process.execPath, join(bin, 'node'));
  // stdout and stderr into one file, so that the narration and gpg-gate's timeline keep their order.
  const out = openSync(t.path('output.txt'), 'w');
  const child = spawn(process.execPath, [DEMO], {
    cwd: t.dir,
    env: cleanEnv({ PATH: bin, TMPDIR: tmp, HOME: t.dir }),
    stdio: ['ignore', out, out],
  });
  code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  closeSync(out);
  output = readFileSync(t.path('output.txt'), 'utf8');
  tmpAfter = readdirSync(tmp);
  homeAfter = readdirSync(t.dir).sort();
}, 120_000);
afterAll(() => t.cleanup());

/** Index of the first line matching `re` at or after `from`; -1 if none. */
function lineAt(re: RegExp, from = 0): number {
  const lines = output.split('\n');
  for (let i = from; i < lines.length; i++) if (re.test(lines[i]!)) return i;
  return -1;
}

describe('npm run demo', () => {
  it('exits 0, says all its claims held, and leaves nothing in TMPDIR or HOME', () => {
    expect(code, output).toBe(0);
    expect(output).toMatch(/^Result: all \d+ claims held — the demo behaved as intended/m);
    expect(output).not.toMatch(/✗/);
    expect(tmpAfter).toEqual([]);
    // HOME (and so the default XDG state directory) untouched too.
    expect(homeAfter).toEqual(['bin', 'output.txt', 'tmp']);
  });

  it('run 1: HTTP 500 before any signature, attempt 1 retried, attempt 2 commits once and succeeds', () => {
    const start = lineAt(/^── Run 1:/);
    const http500 = lineAt(/archive API: GET \/orig\/\S+ → HTTP 500/, start);
    const failed = lineAt(/^gpg-gate: attempt 1 failed before the commitment point; retrying/, start);
    const attempt2 = lineAt(/^gpg-gate: attempt 2 started/, start);
    const commitment = lineAt(
      /^gpg-gate: commitment point reached by `gpg --detach-sign --armor -u \S+ tag\.tmp`/,
      start,
    );
    const hook = lineAt(/commit hook: .*\(job demo-run-1, attempt 2\)/, start);
    const outcome = lineAt(/^gpg-gate: outcome succeeded \(exit 0\)/, start);
    const run2 = lineAt(/^── Run 2:/);
    expect(
      [start, http500, failed, attempt2, commitment, hook, outcome, run2].every((i) => i >= 0),
      output,
    ).toBe(true);
    expect(start < http500 && http500 < failed && failed < attempt2 && attempt2 < commitment).toBe(true);
    expect(commitment < hook && hook < outcome && outcome < run2).toBe(true);
    // Nothing reached the commitment point in attempt 1.
    expect(lineAt(/^gpg-gate: commitment point reached/, start)).toBe(commitment);
  });

  it('run 2: the failure after the commitment point is reported as not safe to retry, and a rerun is refused', () => {
    const start = lineAt(/^── Run 2:/);
    const commitment = lineAt(/^gpg-gate: commitment point reached/, start);
    const http500 = lineAt(/archive API: POST \/uploads\/\S+ → HTTP 500/, start);
    const outcome = lineAt(/^gpg-gate: outcome failed-after-commit \(exit 1\)/, start);
    const again = lineAt(/^── Run 2 again/, start);
    expect(
      [start, commitment, http500, outcome, again].every((i) => i >= 0),
      output,
    ).toBe(true);
    expect(start < commitment && commitment < http500 && http500 < outcome && outcome < again).toBe(true);
    expect(lineAt(/^gpg-gate: attempt 2 started/, start)).toBe(-1);
    expect(
      lineAt(/^gpg-gate: .* committed \(outcome failed-after-commit\): its signatures may be public/, again),
    ).toBeGreaterThan(again);
    // The commit hook ran once per run, never for the refused rerun.
    expect(output.match(/commit hook: /g)).toHaveLength(2);
  });

  it('signs with the openpgp backend and a key made on the fly, and verifies with openpgp.js', () => {
    expect(output).toMatch(/setup: throwaway key [0-9A-F]{40} .*openpgp\.js/);
    expect(output).toMatch(/GPG_GATE_BACKEND=openpgp/);
    expect(output).toMatch(/verify with openpgp\.js: tag\.tmp\.asc good, \S+\.changes good/);
  });
});

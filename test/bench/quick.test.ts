// `npm run bench -- --quick` as a smoke test: the table comes out with every row, and every cell the bench fills holds
// a number. Timings are not asserted here (a timed unit test on a shared machine only measures the neighbours); npm
// run bench is for reading numbers.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../helpers/require-tool.js';
import { projectRoot } from '../helpers/shim.js';

type Cell = 'ours' | 'baseline' | 'result';
const ALL: Cell[] = ['ours', 'baseline', 'result'];
const COLUMN: Record<Cell, number> = { ours: 2, baseline: 3, result: 4 };

/** Each row of the quick table (a part of its first cell) and the cells the bench fills in it. */
const ROWS: [string, Cell[]][] = [
  ['passthrough `gpg --version`: shim ÷ `node -e 0`', ALL],
  ['shim − real gpg (--version)', ALL],
  ['passthrough `gpg --list-keys`: shim ÷ `node -e 0`', ALL],
  ['shim − real gpg (--list-keys)', ALL],
  ['floor: (`node -e 0` + gpg) ÷ `node -e 0`', ['result']],
  ['passthrough on Node ≥ 22.15 `gpg --version`: shim ÷ `node -e 0`', ALL],
  ['passthrough on Node ≥ 22.15 `gpg --list-keys`: shim ÷ `node -e 0`', ALL],
  ['floor on Node v22', ['result']],
  ['gate round trip: shim+gate − shim unsupervised', ALL],
  ['shim start-up on a signing call', ALL],
  ['detached signature through the gate ÷ gpg alone', ALL],
  ['large payload 16 MiB: shim ÷ gpg', ALL],
  ['large payload 16 MiB: shim peak RSS', ALL],
  ['supervisor signing, 10 sigs: openpgp.js signer warm ÷ gpg per sig', ALL],
  ['openpgp.js signing core alone', ALL],
  ['4 concurrent jobs: total wall, gated ÷ plain', ALL],
  ['4 concurrent jobs: overhead per job', ['result']],
  ["4 concurrent jobs: one job's own time, gated vs plain", ALL],
  ['agent gate --no-shim `gpg --version`: in job ÷ gpg alone', ALL],
  ['in job − gpg alone (--version)', ALL],
  ['agent gate --no-shim `gpg --list-keys`: in job ÷ gpg alone', ALL],
  ['in job − gpg alone (--list-keys)', ALL],
  ['agent gate: detached signature, gated − local key', ALL],
  ['gated ÷ local key (small detached signature)', ALL],
  ['agent gate --no-shim, 16 MiB detached: gated ÷ gpg alone', ALL],
  ['shim on PATH (default mode), 16 MiB: ÷ gpg alone', ALL],
];

/** Without a Node ≥ 22.15 the bench prints this one row instead of the Node 22 rows (CI always has one). */
const NODE22_SKIPPED = 'passthrough on Node ≥ 22.15 (execve): skipped';
const NODE22_ROWS = (what: string) => what.includes('on Node ≥ 22.15') || what.includes('floor on Node v22');

/** A measured value: a digit, and nothing that says no value was measured. */
const NUMBER = /^(?!.*(?:NaN|Infinity|n\/a|undefined|null)).*\d/;

// Peak RSS needs GNU time: CI installs it (.ci/run), so only outside CI may that row say n/a.
const rssUnmeasured = process.env.CI !== 'true' && !hasTool('/usr/bin/time');

describe('npm run bench -- --quick', () => {
  it('prints the machine and one table with every row, every cell it fills a number', () => {
    const r = spawnSync(process.execPath, [join(projectRoot, 'dist', 'bench.js'), '--quick'], {
      encoding: 'utf8',
      timeout: 280_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^machine: .+, \d+ cores, /m);
    expect(r.stdout).toMatch(/^load average \(1\/5\/15 min\): /m);
    const table = r.stdout.split('\n').filter((l) => l.startsWith('|'));
    expect(table[0]).toMatch(/^\| measurement +\| ours +\| baseline +\| result: median \[p25–p75\] +\| target/);
    const lines = table.slice(2);
    const seen = new Set<string>();
    let node22Skipped = false;
    for (const line of lines) {
      const cells = line.split('|').map((c) => c.trim());
      if ((cells[1] ?? '').includes(NODE22_SKIPPED)) {
        expect(process.env.CI, `under CI .ci/run installs a Node 22: ${line}`).not.toBe('true');
        console.log(`the Node 22 rows are skipped: ${cells[COLUMN.result]}`);
        node22Skipped = true;
        continue;
      }
      const row = ROWS.find(([what]) => (cells[1] ?? '').includes(what));
      expect(row, `a row this test does not know: ${line}`).toBeDefined();
      if (!row) continue;
      seen.add(row[0]);
      if (rssUnmeasured && row[0].endsWith('peak RSS')) {
        console.log('no /usr/bin/time (GNU time): the peak RSS row is n/a, which CI does not allow');
        expect(cells[COLUMN.ours]).toBe('n/a (no /usr/bin/time)');
        continue;
      }
      for (const cell of row[1]) expect(cells[COLUMN[cell]], `${cell} of: ${line}`).toMatch(NUMBER);
    }
    const expected = ROWS.map(([what]) => what).filter((what) => !(node22Skipped && NODE22_ROWS(what)));
    expect(expected.filter((what) => !seen.has(what))).toEqual([]);
  }, 300_000);
});

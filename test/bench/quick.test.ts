// `npm run bench -- --quick` as a smoke test: the table comes out with every row. Timings are not asserted here
// (a timed unit test on a shared machine only measures the neighbours); npm run bench is for reading numbers.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/shim.js';

const ROWS = [
  'passthrough `gpg --version`: shim ÷ `node -e 0`',
  'passthrough `gpg --list-keys`: shim ÷ `node -e 0`',
  'floor: (`node -e 0` + gpg) ÷ `node -e 0`',
  'gate round trip: shim+gate − shim unsupervised',
  'shim start-up on a signing call',
  'large payload 16 MiB: shim ÷ gpg',
  'large payload 16 MiB: shim peak RSS',
  'supervisor signing, 10 sigs: openpgp.js signer warm ÷ gpg per sig',
  'openpgp.js signing core alone',
  '4 concurrent jobs: total wall, gated ÷ plain',
  '4 concurrent jobs: overhead per job',
];

describe('npm run bench -- --quick', () => {
  it('prints the machine and one table with every row', () => {
    const r = spawnSync(process.execPath, [join(projectRoot, 'dist', 'bench.js'), '--quick'], {
      encoding: 'utf8',
      timeout: 280_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^machine: .+, \d+ cores, /m);
    expect(r.stdout).toMatch(/^load average \(1\/5\/15 min\): /m);
    const table = r.stdout.split('\n').filter((l) => l.startsWith('|'));
    expect(table[0]).toMatch(/^\| measurement +\| ours +\| baseline +\| result: median \[p25–p75\] +\| target/);
    for (const row of ROWS)
      expect(
        table.some((l) => l.includes(row)),
        row,
      ).toBe(true);
    // Every result cell holds a number: no row silently measured nothing (peak RSS needs GNU time).
    for (const l of table.slice(2)) if (!l.includes('n/a (no /usr/bin/time)')) expect(l.split('|')[4], l).toMatch(/\d/);
  }, 300_000);
});

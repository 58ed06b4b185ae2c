// A detached signature of a large file through the shim (gnupg backend, supervised) against gpg alone. The shim
// copies the input into its private spool while hashing it and gpg then signs the spool, so the input is read once
// by the shim and the spool once by gpg (from the page cache): the cost is the hash and the copy.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import type { Rounds } from './interleave.js';
import { formatSpread, mib, ms, ratios, summarize, times } from './stats.js';
import type { Row } from './table.js';
import { runUnderGate } from './under-gate.js';
import type { Workspace } from './workspace.js';

const TARGET_RATIO = 1.3;
const TARGET_RSS_KIB = 100 * 1024;

export function writeFileOfSize(path: string, bytes: number): void {
  const block = randomBytes(1024 * 1024);
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < bytes; done += block.length)
      writeSync(fd, block, 0, Math.min(block.length, bytes - done));
  } finally {
    closeSync(fd);
  }
}

export function sizeLabel(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes / 1024 ** 2} MiB`;
}

export function largePayloadRows(ws: Workspace, bytes: number, rounds: Rounds): Row[] {
  const data = ws.path('large.bin');
  writeFileOfSize(data, bytes);
  try {
    const sign = (out: string) => ['--batch', '--yes', '-u', ws.fingerprint, '-o', ws.path(out), '-b', data];
    const samples = runUnderGate(
      ws,
      [
        { name: 'shim', file: ws.shim, args: sign('large-shim.sig'), rss: true },
        { name: 'gpg', file: ws.realGpg, args: sign('large-gpg.sig'), rss: true },
      ],
      rounds,
    );
    const shim = samples.shim ?? [];
    const gpg = samples.gpg ?? [];
    const r = summarize(
      ratios(
        shim.map((s) => s.ms),
        gpg.map((s) => s.ms),
      ),
    );
    const rows: Row[] = [
      {
        what: `large payload ${sizeLabel(bytes)}: shim ÷ gpg`,
        ours: ms(summarize(shim.map((s) => s.ms)).median),
        baseline: ms(summarize(gpg.map((s) => s.ms)).median),
        result: formatSpread(r, times),
        target: `≤ ${TARGET_RATIO.toFixed(2)}×`,
        met: r.median <= TARGET_RATIO,
      },
    ];
    const rss = shim.map((s) => s.rssKiB).filter((v): v is number => v !== null);
    const gpgRss = gpg.map((s) => s.rssKiB).filter((v): v is number => v !== null);
    if (rss.length > 0) {
      const s = summarize(rss);
      rows.push({
        what: `large payload ${sizeLabel(bytes)}: shim peak RSS (max over rounds)`,
        ours: mib(s.max),
        baseline: gpgRss.length > 0 ? `gpg ${mib(summarize(gpgRss).max)}` : '',
        result: formatSpread(s, mib),
        target: `≤ ${mib(TARGET_RSS_KIB)}`,
        met: s.max <= TARGET_RSS_KIB,
      });
    } else {
      rows.push({
        what: `large payload ${sizeLabel(bytes)}: shim peak RSS`,
        ours: 'n/a (no /usr/bin/time)',
        baseline: '',
        result: '',
        target: `≤ ${mib(TARGET_RSS_KIB)}`,
        met: null,
      });
    }
    return rows;
  } finally {
    rmSync(data, { force: true });
  }
}

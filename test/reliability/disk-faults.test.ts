// Disk faults: the journal's file system is read-only, or fills up while the job runs. The supervisor must refuse to
// approve (fail closed) and say why, the shim must report it to its caller, nothing may be signed, and the journal
// left behind must still read true. A real size-limited tmpfs is used when this process may mount one (root);
// otherwise (or with GPG_GATE_TEST_MOUNT=0) the same full-disk failure is injected (journal.before.EVENT:enospc).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { journalStatus } from '../../harness/status.js';
import { AgentSignLog } from '../helpers/agent-sign-log.js';
import { runGate, tempDir, type TempDir } from '../helpers/gate-run.js';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { journalViolations } from './journal-truth.js';
import { parseJournal } from '../../harness/journal.js';

// Real processes by the dozen: on a busy 2-core machine a step may wait its turn for a long while.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

let home: GnupgHome;
let log: AgentSignLog;
let fpr: string;
let t: TempDir;
const mounts: string[] = [];

/** Mounts a tmpfs with `options` at `dir`; null when mounted, else why it is not (this process may not mount). */
function mountTmpfs(dir: string, options: string): string | null {
  mkdirSync(dir, { recursive: true });
  if (process.env.GPG_GATE_TEST_MOUNT === '0') return 'GPG_GATE_TEST_MOUNT=0';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    mounts.push(dir);
    return null;
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    return `mount -t tmpfs failed: ${stderr || (e as Error).message}`;
  }
}

beforeAll(() => {
  home = makeGnupgHome(['ed25519']);
  log = new AgentSignLog(home.dir);
  fpr = home.keys.ed25519.fingerprint;
});
afterAll(() => home.cleanup());
beforeEach(() => {
  t = tempDir();
});
afterEach(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', [m]);
  t.cleanup();
});

/** What the journal says, checked line by line. */
function journalOf(path: string) {
  const { records, torn } = parseJournal(readFileSync(path), path);
  expect(journalViolations(records)).toEqual([]);
  return { events: records.map((r) => r.event), torn, status: journalStatus(path) };
}

describe('the journal cannot be written', () => {
  it('a read-only journal directory: run refuses to start (exit 75, says why), nothing runs', async (ctx) => {
    const dir = t.path('ro');
    const notMounted = mountTmpfs(dir, 'ro,size=64k');
    if (notMounted !== null) {
      // Without a mount, permissions make it unwritable, except for root, who ignores them. CI runs as root and may
      // mount: there a failed mount is a failure, not a skip.
      if (process.getuid?.() === 0) {
        const why = `root writes anywhere, so only a read-only mount makes the journal unwritable: ${notMounted}`;
        if (process.env.CI === 'true') throw new Error(`under CI: ${why}`);
        return ctx.skip(why);
      }
      chmodSync(dir, 0o500);
    }
    writeFileSync(t.path('data'), 'data');
    const r = await runGate(
      ['run', '--on-commit', `touch ${t.path('hook-ran')}`, '--journal', join(dir, 'j.jsonl'), '--'].concat(
        'sh',
        '-c',
        `touch ${t.path('ran')}; gpg --detach-sign -u ${fpr} ${t.path('data')}`,
      ),
      { env: home.env },
    );
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/cannot create the journal .*(read-only file system|permission denied)/i);
    expect(existsSync(t.path('ran'))).toBe(false);
    expect(existsSync(t.path('hook-ran'))).toBe(false);
  });

  it('a full disk at the first record: run refuses to start (exit 75), the empty journal reads failed-before-commit', async () => {
    const dir = t.path('full');
    const real = mountTmpfs(dir, 'size=64k') === null;
    if (real) execFileSync('sh', ['-c', `dd if=/dev/zero of=${dir}/fill bs=4096 2>/dev/null; true`]);
    const r = await runGate(['run', '--auto-commit', '--journal', join(dir, 'j.jsonl'), '--', 'touch', t.path('ran')], {
      env: { ...home.env, ...(real ? {} : injected(t, 'journal.before.job-started:enospc')) },
    });
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/no space left on device/i);
    expect(existsSync(t.path('ran'))).toBe(false);
    expect(journalOf(join(dir, 'j.jsonl')).status.outcome).toBe('failed-before-commit');
  });
});

/** The environment that injects a full-disk failure instead of a real one. */
function injected(td: TempDir, fault: string): Record<string, string> {
  mkdirSync(td.path('faults'), { recursive: true });
  return { GPG_GATE_TEST_FAULT: fault, GPG_GATE_TEST_FAULT_DIR: td.path('faults') };
}

it('the disk fills up while the job runs: the signing call is refused (fail closed), the shim says why, nothing is signed', async () => {
  const mnt = t.path('small');
  const real = mountTmpfs(mnt, 'size=64k') === null;
  // A deep data path makes the sign-requested record (path in argv, inputs and output) longer than a tmpfs page, so
  // it cannot fit in what is left of the journal's last page once the command has filled the disk.
  const deep = t.path(...Array.from({ length: 8 }, (_, i) => `${i}${'d'.repeat(200)}`));
  mkdirSync(deep, { recursive: true });
  const data = join(deep, 'data');
  writeFileSync(data, 'data\n');
  const fill = real ? `dd if=/dev/zero of=${mnt}/fill bs=4096 2>/dev/null; ` : '';
  const mark = log.mark();
  const r = await runGate(
    [
      'run',
      '--retries',
      '2',
      '--on-commit',
      `touch ${t.path('hook-ran')}`,
      '--journal',
      join(mnt, 'j.jsonl'),
      '--',
    ].concat('sh', '-c', `${fill}gpg --detach-sign --armor -u ${fpr} ${data}; echo "gpg exit $?" >&2; exit 1`),
    { env: { ...home.env, ...(real ? {} : injected(t, 'journal.before.sign-requested:enospc')) } },
  );
  console.log(real ? 'disk full: a real 64 KiB tmpfs' : 'disk full: injected ENOSPC (cannot mount here)');
  // Refused, and why: by the supervisor on its stderr, by the shim to its caller.
  expect(r.stderr).toMatch(/JOURNAL FAILED, approving nothing more: .*no space left on device/i);
  expect(r.stderr).toMatch(
    /gpg: signing refused by gpg-gate: the supervisor cannot journal: .*no space left on device/i,
  );
  expect(r.stderr).toMatch(/gpg exit 2/);
  // Nothing signed, nothing committed, no retry after a journal failure; safe to retry: 75.
  expect(existsSync(`${data}.asc`)).toBe(false);
  expect(log.signaturesSince(mark)).toBe(0);
  expect(existsSync(t.path('hook-ran'))).toBe(false);
  expect(r.code).toBe(75);
  const j = journalOf(join(mnt, 'j.jsonl'));
  expect(j.events).toEqual(['job-started', 'attempt-started', 'child-started']);
  // On the real file system the line that did not fit is torn, and ignored.
  expect(j.status.tornTail).toBe(j.torn);
  expect(j.status).toMatchObject({ outcome: 'failed-before-commit', committed: 'no' });
});

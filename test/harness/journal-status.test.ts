// The journal and `gpg-gate status`: every prefix of a real journal (cut after each line and in the middle of
// each line) tells a true outcome; `run` continues only a job that failed before its commitment point.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJournal } from '../../harness/journal.js';
import { journalStatus, type JobStatus } from '../../harness/status.js';
import type { JobRecord } from '../../harness/records.js';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { events, readRecords, runGate, startGate, tempDir, waitFor, type TempDir } from '../helpers/gate-run.js';

let home: GnupgHome;
/** dgit's signing call through the shim: writes FILE.asc. */
let sign: (file: string) => string[];
let t: TempDir;
let journal: string;
let lines: string[];

beforeAll(async () => {
  home = makeGnupgHome(['ed25519']);
  const fpr = home.keys.ed25519.fingerprint;
  sign = (file) => ['gpg', '--detach-sign', '--armor', '-u', fpr, file];
  t = tempDir();
  journal = t.path('real.jsonl');
  for (const f of ['a', 'b']) writeFileSync(t.path(f), f);
  // Attempt 1 fails before signing; attempt 2 signs twice through a hook and succeeds.
  const count = t.path('count');
  const r = await runGate(
    [
      'run',
      '--journal',
      journal,
      '--retries',
      '1',
      '--retry-delay',
      '0',
      '--on-commit',
      'exit 0',
      '--',
      'sh',
      '-c',
      `n=$(($(cat ${count} 2>/dev/null || echo 0) + 1)); echo $n > ${count}; [ $n -ge 2 ] || exit 4; ` +
        `${sign(t.path('a')).join(' ')} && ${sign(t.path('b')).join(' ')}`,
    ],
    { env: home.env },
  );
  expect(r.code, r.stderr).toBe(0);
  lines = readFileSync(journal, 'utf8').split(/(?<=\n)/);
});
afterAll(() => {
  t.cleanup();
  home.cleanup();
});

function statusOf(text: string, name: string): JobStatus {
  const path = t.path(name);
  writeFileSync(path, text);
  return journalStatus(path);
}

/** What a prefix holding the first `k` complete records must say, from where the commit events sit. */
function expectedOutcome(records: JobRecord[], k: number): string {
  const at = (e: string) => records.findIndex((r) => r.event === e);
  if (k > at('job-ended')) return 'succeeded';
  if (k > at('committed')) return 'failed-after-commit';
  if (k > at('commit-requested')) return 'unknown';
  return 'failed-before-commit';
}

describe('status on every prefix of a real journal', () => {
  it('the full journal', () => {
    const records = readRecords(journal);
    expect(events(records)).toEqual([
      'job-started',
      'attempt-started',
      'child-started',
      'child-exited',
      'attempt-ended',
      'attempt-started',
      'child-started',
      'sign-requested',
      'commit-requested',
      'committed',
      'sign-approved',
      'signed',
      'sign-requested',
      'sign-approved',
      'signed',
      'child-exited',
      'attempt-ended',
      'job-ended',
    ]);
    const s = journalStatus(journal);
    expect(s).toMatchObject({ outcome: 'succeeded', attempts: 2, committed: 'yes', exitCode: 0, tornTail: false });
    expect(s.signatures.map((x) => x.state)).toEqual(['signed', 'signed']);
    expect(s.supervisor?.alive).toBe(false);
  });

  it('cut after each line and in the middle of each line', () => {
    const records = readRecords(journal);
    const seen = new Set<string>();
    for (let k = 0; k <= lines.length; k++) {
      const whole = lines.slice(0, k).join('');
      const expected = expectedOutcome(records, k);
      const s = statusOf(whole, `cut-${k}`);
      expect(s.outcome, `after ${k} lines`).toBe(expected);
      expect(s.tornTail).toBe(false);
      seen.add(s.outcome);
      const next = lines[k];
      if (next === undefined) continue;
      for (const cut of [1, Math.floor(next.length / 2), next.length - 1]) {
        const torn = statusOf(whole + next.slice(0, cut), `torn-${k}-${cut}`);
        expect(torn.outcome, `after ${k} lines and ${cut} bytes`).toBe(expected);
        expect(torn.tornTail).toBe(true);
      }
    }
    expect([...seen].sort()).toEqual(['failed-after-commit', 'failed-before-commit', 'succeeded', 'unknown']);
  });

  it('the CLI prints the same JSON for a torn journal', async () => {
    const k = lines.findIndex((l) => l.includes('"event":"committed"'));
    const path = t.path('cli-cut.jsonl');
    writeFileSync(path, lines.slice(0, k).join('') + (lines[k] ?? '').slice(0, 10));
    const r = await runGate(['status', '--journal', path]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as JobStatus;
    expect(s).toMatchObject({ job: readRecords(journal)[0]?.job, outcome: 'unknown', attempts: 2, tornTail: true });
    expect(s.signatures).toHaveLength(1);
    expect(s.signatures[0]?.state).toBe('requested');
    expect(s.signatures[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a damaged line before the end is an error, not a guess', async () => {
    const path = t.path('damaged.jsonl');
    writeFileSync(path, lines[0] + 'garbage\n' + lines.slice(1).join(''));
    expect(() => parseJournal(readFileSync(path), path)).toThrow(/line 2 is damaged/);
    const r = await runGate(['status', '--journal', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/damaged/);
  });

  it('a missing journal is an error', async () => {
    const r = await runGate(['status', '--journal', t.path('nope.jsonl')]);
    expect(r.code).toBe(1);
  });
});

describe('run on an existing journal', () => {
  const cut = (upTo: string, name: string) => {
    const k = lines.findIndex((l) => l.includes(`"event":"${upTo}"`));
    const path = t.path(name);
    writeFileSync(path, lines.slice(0, k + 1).join(''));
    return path;
  };

  it.each([
    ['commit-requested', 'may have committed (the supervisor ended while the commit step ran)'],
    ['committed', 'committed (outcome failed-after-commit)'],
    ['job-ended', 'committed (outcome succeeded)'],
  ])('refuses a job cut after %s without running anything, never with 75', async (upTo, why) => {
    const path = cut(upTo, `refuse-${upTo}.jsonl`);
    const before = readFileSync(path, 'utf8');
    const marker = t.path(`ran-${upTo}`);
    const r = await runGate(['run', '--journal', path, '--auto-commit', '--', 'touch', marker]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`says job ${(JSON.parse(lines[0] ?? '{}') as JobRecord).job} ${why}`);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('refuses a job whose commit step gave no clear answer (exit 3: it may have committed)', async () => {
    const path = t.path('unclear.jsonl');
    const r1 = await runGate(['run', '--journal', path, '--on-commit', 'exit 3', '--', ...sign(t.path('a'))], {
      env: home.env,
    });
    expect(r1.code).not.toBe(75);
    const r2 = await runGate(['run', '--journal', path, '--auto-commit', '--', 'true']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('may have committed (the commit hook exited 3');
  });

  it('continues a job whose commit step refused (exit 77: nothing committed)', async () => {
    const path = t.path('refused.jsonl');
    const r1 = await runGate(['run', '--journal', path, '--on-commit', 'exit 77', '--', ...sign(t.path('a'))], {
      env: home.env,
    });
    expect(r1.code).toBe(75);
    const r2 = await runGate(['run', '--journal', path, '--auto-commit', '--', 'true']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(readRecords(path).find((r) => r.event === 'job-resumed')).toMatchObject({
      previousOutcome: 'commit-refused',
    });
  });

  it('continues a job whose command exited 0 with nothing committed (a caller that exits 0 on failure)', async () => {
    const path = t.path('zero.jsonl');
    const r1 = await runGate(['run', '--journal', path, '--auto-commit', '--', 'true']);
    expect(r1.code).toBe(0);
    const r2 = await runGate(['run', '--journal', path, '--auto-commit', '--', 'true']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(readRecords(path).find((r) => r.event === 'job-resumed')).toMatchObject({ previousOutcome: 'succeeded' });
  });

  it('refuses a job whose supervisor still runs', async () => {
    const path = t.path('running.jsonl');
    const go = t.path('go');
    const first = startGate([
      'run',
      '--journal',
      path,
      '--auto-commit',
      '--',
      'sh',
      '-c',
      `while [ ! -e ${go} ]; do sleep 0.05; done`,
    ]);
    await waitFor(() => existsSync(path) && readFileSync(path, 'utf8').includes('child-started'), 10_000, 'child');
    expect(journalStatus(path).outcome).toBe('running');
    const second = await runGate(['run', '--journal', path, '--auto-commit', '--', 'true']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('is locked by another gpg-gate run');
    writeFileSync(go, '');
    expect((await first.done).code).toBe(0);
  });

  it('a supervisor killed (SIGKILL) during the commit step: unknown, and run refuses to continue', async () => {
    const path = t.path('killed.jsonl');
    const hookPid = t.path('hook-pid');
    const g = startGate(
      ['run', '--journal', path, '--on-commit', `echo $$ > ${hookPid}; sleep 30`, '--', ...sign(t.path('a'))],
      { env: home.env },
    );
    await waitFor(() => existsSync(hookPid), 10_000, 'the hook');
    expect(journalStatus(path).outcome).toBe('running');
    g.child.kill('SIGKILL');
    // The hook (its own session) holds the supervisor's stderr: end it first, or `done` waits for its sleep.
    process.kill(-Number(readFileSync(hookPid, 'utf8')), 'SIGKILL');
    await g.done;
    const s = journalStatus(path);
    expect(s).toMatchObject({ outcome: 'unknown', supervisor: { alive: false } });
    const r = await runGate(['run', '--journal', path, '--auto-commit', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('may have committed (the supervisor ended while the commit step ran)');
  });

  it('continues a job that failed before its commitment point (torn last line cut off), as a new attempt', async () => {
    const k = lines.findIndex((l) => l.includes('"event":"sign-requested"'));
    const path = t.path('resume.jsonl');
    writeFileSync(path, lines.slice(0, k).join('') + '{"v":1,"seq":');
    expect(journalStatus(path).outcome).toBe('failed-before-commit');
    writeFileSync(t.path('c'), 'c');
    const r = await runGate(['run', '--journal', path, '--auto-commit', '--', ...sign(t.path('c'))], { env: home.env });
    expect(r.code, r.stderr).toBe(0);
    const records = parseJournal(readFileSync(path), path).records;
    expect(events(records).slice(k, k + 2)).toEqual(['job-resumed', 'attempt-started']);
    expect(records[k]).toMatchObject({ previousOutcome: 'failed-before-commit', job: records[0]?.job });
    expect(records.filter((x) => x.event === 'attempt-started').map((x) => (x as { attempt: number }).attempt)).toEqual(
      [1, 2, 3],
    );
    expect(records.map((x) => x.seq)).toEqual(records.map((_, i) => i + 1));
    expect(journalStatus(path)).toMatchObject({ outcome: 'succeeded', attempts: 3 });
  });

  it('refuses --job that does not match the journal', async () => {
    const path = cut('attempt-ended', 'other-job.jsonl');
    const r = await runGate(['run', '--journal', path, '--job', 'someone-else', '--auto-commit', '--', 'true']);
    expect(r.code).toBe(64);
  });
});

describe('a journal that cannot be written: fail closed', () => {
  async function faulty(event: string, hook = 'exit 0') {
    const path = t.path(`fault-${event}.jsonl`);
    const file = t.path(`fault-${event}`);
    writeFileSync(file, event);
    const r = await runGate(['run', '--journal', path, '--retries', '2', '--on-commit', hook, '--', ...sign(file)], {
      env: { ...home.env, GPG_GATE_TEST_FAULT: `journal.before.${event}:enospc`, GPG_GATE_TEST_FAULT_DIR: t.dir },
    });
    return { r, path, signed: existsSync(`${file}.asc`) };
  }

  it('sign-requested not durable: refused, nothing committed, exit 75, no retry', async () => {
    const { r, path, signed } = await faulty('sign-requested');
    expect(signed).toBe(false);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/JOURNAL FAILED.*no space left on device/);
    expect(journalStatus(path).outcome).toBe('failed-before-commit');
    expect(events(readRecords(path), 'attempt-started')).toHaveLength(1);
  });

  it('commit-requested not durable: the hook never runs, exit 75', async () => {
    const marker = t.path('hook-ran');
    const { r, path, signed } = await faulty('commit-requested', `touch ${marker}`);
    expect(signed).toBe(false);
    expect(existsSync(marker)).toBe(false);
    expect(r.code).toBe(75);
    expect(journalStatus(path).outcome).toBe('failed-before-commit');
  });

  it('committed not durable: the hook ran, nothing is signed, exit not 75, status unknown', async () => {
    const { r, path, signed } = await faulty('committed');
    expect(signed).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(75);
    expect(journalStatus(path).outcome).toBe('unknown');
  });

  it('sign-approved not durable: nothing is signed, exit not 75', async () => {
    const { r, path, signed } = await faulty('sign-approved');
    expect(signed).toBe(false);
    expect(r.code).not.toBe(75);
    expect(journalStatus(path).outcome).toBe('failed-after-commit');
  });
});

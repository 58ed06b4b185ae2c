// The commit step through `gpg-gate run`, with real processes, the real shim and the real gpg signing with a throwaway
// key: hook exit codes, timeout, exactly-once, retries.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { events, readRecords, runGate, tempDir, type TempDir } from '../helpers/gate-run.js';

let home: GnupgHome;
let fpr: string;
let t: TempDir;

beforeAll(() => {
  home = makeGnupgHome(['ed25519']);
  fpr = home.keys.ed25519.fingerprint;
});
afterAll(() => home.cleanup());
beforeEach(() => {
  t = tempDir();
  writeFileSync(t.path('data'), 'payload\n');
});
afterEach(() => t.cleanup());

/** Processes of a process group that are not zombies (a killed orphan may wait a while for its reaper). */
function liveMembers(pgid: number): number[] {
  const live: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') live.push(Number(pid));
    } catch {
      // Gone while we looked.
    }
  }
  return live;
}

/** A shell command for the child: dgit's signing call, `gpg` being the shim that gpg-gate puts first on PATH. */
const sign = (file = 'data') => `gpg --detach-sign --armor -u ${fpr} ${t.path(file)}`;

/** The detached signature FILE.asc exists and real gpg verifies it. */
function signed(file = 'data'): boolean {
  if (!existsSync(t.path(`${file}.asc`))) return false;
  const r = spawnSync('gpg', ['--batch', '--verify', t.path(`${file}.asc`), t.path(file)], { env: home.env });
  return r.status === 0;
}

/** A hook that records each run (its stdin, and its environment) and then runs `then`. */
const hook = (then: string) =>
  `n=$(($(cat ${t.path('hook-runs')} 2>/dev/null || echo 0) + 1)); echo $n > ${t.path('hook-runs')}; ` +
  `cat > ${t.path('hook-stdin')}.$n; env > ${t.path('hook-env')}.$n; ${then}`;

const hookRuns = () => (existsSync(t.path('hook-runs')) ? Number(readFileSync(t.path('hook-runs'), 'utf8')) : 0);

function gate(opts: string[], script: string) {
  return runGate(
    ['run', '--journal', t.path('journal.jsonl'), '--retry-delay', '0.05', ...opts, '--', 'sh', '-c', script],
    { env: home.env },
  );
}

describe('hook exit codes', () => {
  it('0: committed once, the signing call proceeds, exit 0', async () => {
    // The child leaks its token to a file so that we can check it went nowhere else.
    const r = await gate(
      ['--on-commit', hook('exit 0')],
      `printf %s "$GPG_GATE_TOKEN" > ${t.path('token')}; ${sign()}`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(signed()).toBe(true);
    expect(hookRuns()).toBe(1);
    const records = readRecords(t.path('journal.jsonl'));
    expect(events(records).filter((e) => e !== 'child-started')).toEqual([
      'job-started',
      'attempt-started',
      'sign-requested',
      'commit-requested',
      'committed',
      'sign-approved',
      'signed',
      'child-exited',
      'attempt-ended',
      'job-ended',
    ]);
    // The hook's stdin is the request, without the token; its environment names job and attempt.
    const stdin = JSON.parse(readFileSync(t.path('hook-stdin.1'), 'utf8')) as Record<string, unknown>;
    expect(stdin).toMatchObject({
      type: 'sign-request',
      argv: ['--detach-sign', '--armor', '-u', fpr, t.path('data')],
      localUsers: [fpr],
      output: t.path('data.asc'),
    });
    expect(stdin).not.toHaveProperty('token');
    const env = readFileSync(t.path('hook-env.1'), 'utf8');
    expect(env).toMatch(/^GPG_GATE_ATTEMPT=1$/m);
    expect(env).toMatch(new RegExp(`^GPG_GATE_JOB=${records[0]?.job}$`, 'm'));
    const token = readFileSync(t.path('token'), 'utf8');
    expect(token.length).toBeGreaterThanOrEqual(22); // ≥ 128 bits in base64url
    for (const text of [env, readFileSync(t.path('journal.jsonl'), 'utf8'), r.stderr, r.stdout]) {
      expect(text).not.toContain(token);
    }
    expect(r.stderr).toMatch(/commitment point reached by `gpg --detach-sign --armor -u [0-9A-F]{40} \/\S+\/data`/);
    expect(r.stderr).toMatch(/commit step ok in \d+\.\d s/);
    expect(r.stderr).toMatch(/1 signature\b/);
    expect(r.stderr).toMatch(/outcome succeeded \(exit 0\)/);
  });

  it('75: nothing committed, the signing call is refused, exit 75; a retry commits', async () => {
    const only = await gate(['--on-commit', hook('exit 75')], sign());
    expect(only.code, only.stderr).toBe(75);
    expect(existsSync(t.path('data.asc'))).toBe(false);
    const records = readRecords(t.path('journal.jsonl'));
    expect(records.find((r) => r.event === 'commit-failed')).toMatchObject({ reason: 'transient', exitCode: 75 });
    expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'failed-before-commit', exitCode: 75 });

    // Same journal, next run: the hook says transient once more, then commits on the retry.
    const again = await gate(['--retries', '2', '--on-commit', hook(`[ $n -ge 3 ]  && exit 0 || exit 75`)], sign());
    expect(again.code, again.stderr).toBe(0);
    expect(hookRuns()).toBe(3);
    const all = readRecords(t.path('journal.jsonl'));
    expect(events(all, 'job-resumed')).toHaveLength(1);
    expect(events(all, 'attempt-started')).toHaveLength(3);
    expect(events(all, 'committed')).toHaveLength(1);
    expect(events(all, 'signed')).toHaveLength(1);
  });

  it('77: refused, nothing committed, nothing signed, no retry, exit 75', async () => {
    const r = await gate(['--retries', '3', '--on-commit', hook('exit 77')], sign());
    expect(r.code, r.stderr).toBe(75);
    expect(existsSync(t.path('data.asc'))).toBe(false);
    expect(hookRuns()).toBe(1);
    const records = readRecords(t.path('journal.jsonl'));
    expect(records.find((r) => r.event === 'commit-refused')).toMatchObject({ reason: 'refused', exitCode: 77 });
    expect(events(records, 'attempt-started')).toHaveLength(1);
    expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'commit-refused', exitCode: 75 });
  });

  it('other: no clear answer (it may have committed), nothing signed, no retry, exit neither 0 nor 75', async () => {
    const r = await gate(['--retries', '3', '--on-commit', hook('exit 3')], sign());
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(75);
    expect(existsSync(t.path('data.asc'))).toBe(false);
    expect(hookRuns()).toBe(1);
    const records = readRecords(t.path('journal.jsonl'));
    expect(records.find((r) => r.event === 'commit-failed')).toMatchObject({ reason: 'error', exitCode: 3 });
    expect(events(records, 'attempt-started')).toHaveLength(1);
    expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'unknown' });
  });

  it('timeout: the hook (and what it started) is killed, fail closed, exit neither 0 nor 75', async () => {
    const hookSleeps = 30;
    const started = Date.now();
    // The hook is its own process group (its pid is the group id); `sleep` is a second process in it.
    const r = await gate(
      [
        '--retries',
        '2',
        '--commit-timeout',
        '0.3',
        '--on-commit',
        hook(`echo $$ > ${t.path('hook-pid')}; sleep ${hookSleeps}`),
      ],
      sign(),
    );
    // Not a speed bound: only a run that waited for the hook instead of killing it could take this long.
    expect(Date.now() - started).toBeLessThan(hookSleeps * 1000);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(75);
    const records = readRecords(t.path('journal.jsonl'));
    expect(records.find((r) => r.event === 'commit-failed')).toMatchObject({ reason: 'timeout' });
    expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'unknown' });
    expect(existsSync(t.path('data.asc'))).toBe(false);
    const group = Number(readFileSync(t.path('hook-pid'), 'utf8'));
    await expect.poll(() => liveMembers(group), { timeout: 3000 }).toEqual([]);
  });
});

describe('exactly once', () => {
  it('one commit step for several concurrent signing calls', async () => {
    for (const f of ['a', 'b', 'c', 'd', 'e']) writeFileSync(t.path(f), f);
    const parallel = ['a', 'b', 'c', 'd', 'e'].map((f) => `${sign(f)} & p${f}=$!`).join('; ');
    const r = await gate(
      ['--on-commit', hook('sleep 0.3')],
      `${parallel}; for p in $pa $pb $pc $pd $pe; do wait $p || exit 9; done`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(hookRuns()).toBe(1);
    const records = readRecords(t.path('journal.jsonl'));
    expect(events(records, 'commit-requested')).toHaveLength(1);
    expect(events(records, 'committed')).toHaveLength(1);
    expect(events(records, 'sign-approved')).toHaveLength(5);
    expect(events(records, 'signed')).toHaveLength(5);
    // Nothing was approved before the commit was on record.
    const committedAt = records.findIndex((x) => x.event === 'committed');
    expect(records.findIndex((x) => x.event === 'sign-approved')).toBeGreaterThan(committedAt);
    expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded', signatures: 5 });
    for (const f of ['a', 'b', 'c', 'd', 'e']) expect(signed(f)).toBe(true);
  });

  it('retries before the commitment point: two failures, then success → one commit, exit 0', async () => {
    const count = t.path('count');
    const script = `n=$(($(cat ${count} 2>/dev/null || echo 0) + 1)); echo $n > ${count}; [ $n -ge 3 ] || exit 4; ${sign()}`;
    const r = await gate(['--retries', '3', '--on-commit', hook('exit 0')], script);
    expect(r.code, r.stderr).toBe(0);
    expect(hookRuns()).toBe(1);
    const records = readRecords(t.path('journal.jsonl'));
    expect(events(records, 'attempt-started')).toHaveLength(3);
    expect(events(records, 'committed')).toHaveLength(1);
    expect(r.stderr).toMatch(/attempt 1 failed before the commitment point; retrying in 0.05 s/);
    expect(r.stderr).toMatch(/attempt 2 failed before the commitment point; retrying in 0.1 s/);
  });

  it('retries run out before the commitment point → exit 75', async () => {
    const r = await gate(['--retries', '1', '--on-commit', hook('exit 0')], 'exit 4');
    expect(r.code).toBe(75);
    expect(events(readRecords(t.path('journal.jsonl')), 'attempt-started')).toHaveLength(2);
    expect(hookRuns()).toBe(0);
  });

  it('a command failing after signing is not retried; its exit code is kept (75 becomes 1)', async () => {
    const r = await gate(['--retries', '3', '--on-commit', hook('exit 0')], `${sign()} && exit 5`);
    expect(r.code).toBe(5);
    const records = readRecords(t.path('journal.jsonl'));
    expect(events(records, 'attempt-started')).toHaveLength(1);
    expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'failed-after-commit', exitCode: 5 });

    t.cleanup();
    t = tempDir();
    writeFileSync(t.path('data'), 'x');
    const r75 = await gate(['--retries', '3', '--auto-commit'], `${sign()} && exit 75`);
    expect(r75.code).toBe(1);
  });

  it('a signing call in flight when the command exits is still served', async () => {
    // The command exits as soon as the hook has started; the request completes and counts.
    const started = t.path('hook-started');
    const r = await gate(
      ['--on-commit', hook(`touch ${started}; sleep 1`)],
      `${sign()} & while [ ! -e ${started} ]; do sleep 0.02; done; exit 0`,
    );
    expect(r.code, r.stderr).toBe(0);
    const records = readRecords(t.path('journal.jsonl'));
    const order = events(records);
    expect(order.indexOf('child-exited')).toBeLessThan(order.indexOf('committed'));
    expect(order.indexOf('signed')).toBeLessThan(order.indexOf('job-ended'));
    expect(signed()).toBe(true);
  });
});

describe('authentication', () => {
  it('a signing call with a wrong token is refused before anything is journaled; the job goes on', async () => {
    writeFileSync(t.path('other'), 'other');
    const r = await gate(
      ['--on-commit', hook('exit 0')],
      `GPG_GATE_TOKEN=not-the-token ${sign()}; echo "wrong token: $?" >&2; ${sign('other')}`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/gpg: signing refused by gpg-gate: the supervisor reported bad-token: the token is wrong/);
    expect(r.stderr).toMatch(/wrong token: 2/);
    expect(r.stderr).toMatch(/rejected a client: bad-token/);
    const records = readRecords(t.path('journal.jsonl'));
    expect(events(records, 'sign-requested')).toHaveLength(1);
    expect(hookRuns()).toBe(1);
    expect(existsSync(t.path('data.asc'))).toBe(false);
    expect(signed('other')).toBe(true);
  });
});

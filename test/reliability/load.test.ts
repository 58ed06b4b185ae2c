// Load with real processes: 100 jobs at once (each its own supervisor, shim, hook and gpg, one gpg-agent for all), and
// 50 signing calls at once inside one job. Every signature verifies and was made once (gpg-agent's PKSIGN log), every
// journal holds its line invariants, the commit step ran once per job, and the supervisor's descriptors come back to
// where they were before it served the calls (read from /proc/PID/fd while its command waits).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { parseJournal } from '../../harness/journal.js';
import { journalStatus } from '../../harness/status.js';
import { AgentSignLog } from '../helpers/agent-sign-log.js';
import { runGate, startGate, tempDir, waitFor, type TempDir } from '../helpers/gate-run.js';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { openFds } from '../helpers/proc.js';
import { journalViolations } from './journal-truth.js';
import { bySize } from './matrix-size.js';

// Real processes by the dozen: on a busy 2-core machine a step may wait its turn for a long while.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

// 100 jobs at once (the full matrix) starve a 2-core machine for half a minute; the default run takes fewer.
const JOBS = bySize(40, 100);
const CALLS = 50;

let home: GnupgHome;
let log: AgentSignLog;
let fpr: string;
let t: TempDir;

beforeAll(() => {
  home = makeGnupgHome(['ed25519']);
  log = new AgentSignLog(home.dir);
  fpr = home.keys.ed25519.fingerprint;
  t = tempDir('gpg-gate-load-');
});
afterAll(() => {
  t.cleanup();
  home.cleanup();
});

/** Runs `gpg --verify` on each signature, a few at a time; returns the files that do not verify. */
async function unverified(files: string[]): Promise<string[]> {
  const bad: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < files.length) {
        const f = files[next++] as string;
        const code = await new Promise<number | null>((resolve) =>
          spawn('gpg', ['--batch', '--verify', `${f}.asc`, f], { env: home.env, stdio: 'ignore' }).once(
            'exit',
            resolve,
          ),
        );
        if (code !== 0) bad.push(f);
      }
    }),
  );
  return bad;
}

function checkJournal(path: string): string[] {
  const { records } = parseJournal(readFileSync(path), path);
  const commits = records.filter((r) => r.event === 'commit-requested').length;
  return [...journalViolations(records), ...(commits === 1 ? [] : [`${path}: ${commits} commit steps`])];
}

it(`${JOBS} concurrent jobs, each its own supervisor: all signed, verified, journaled, nothing left behind`, async () => {
  const dir = t.path('jobs');
  const tmp = t.path('tmp');
  mkdirSync(dir);
  mkdirSync(tmp);
  const mark = log.mark();
  const files = Array.from({ length: JOBS }, (_, i) => `${dir}/data-${i}`);
  files.forEach((f, i) => writeFileSync(f, `job ${i}\n`));
  const started = Date.now();
  const results = await Promise.all(
    files.map((f, i) =>
      runGate(
        ['run', '--quiet', '--journal', `${dir}/job-${i}.jsonl`, '--on-commit', `cat > ${f}.hook`, '--'].concat([
          'gpg',
          '--detach-sign',
          '--armor',
          '-u',
          fpr,
          f,
        ]),
        { env: { ...home.env, TMPDIR: tmp } },
      ),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(`${JOBS} concurrent jobs in ${seconds.toFixed(1)} s`);
  expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
  expect(await unverified(files)).toEqual([]);
  expect(log.signaturesSince(mark)).toBe(JOBS);
  for (let i = 0; i < JOBS; i++) {
    const path = `${dir}/job-${i}.jsonl`;
    expect(checkJournal(path)).toEqual([]);
    expect(journalStatus(path)).toMatchObject({ outcome: 'succeeded', committed: 'yes' });
    // Each hook saw its own job's request.
    expect(JSON.parse(readFileSync(`${files[i]}.hook`, 'utf8'))).toMatchObject({ inputs: [{ name: files[i] }] });
  }
  // No socket directory or spool left behind by any of them.
  expect(readdirSync(tmp)).toEqual([]);
});

it(`${CALLS} concurrent signing calls in one job: one commit, all signed; the supervisor's descriptors come back`, async () => {
  const dir = t.path('calls');
  mkdirSync(dir);
  const files = Array.from({ length: CALLS }, (_, i) => `${dir}/data-${i}`);
  files.forEach((f, i) => writeFileSync(f, `call ${i}\n`));
  // The command waits before and after its burst, so that the test can count descriptors at both points.
  const burst = files.map((f, i) => `gpg --detach-sign --armor -u ${fpr} ${f} & p${i}=$!`).join('\n');
  const waits = files.map((_, i) => `wait $p${i} || fail=1`).join('\n');
  writeFileSync(
    `${dir}/child.sh`,
    [
      `touch ${dir}/ready`,
      `while [ ! -e ${dir}/go ]; do sleep 0.02; done`,
      'fail=0',
      burst,
      waits,
      `touch ${dir}/burst-done`,
      `while [ ! -e ${dir}/end ]; do sleep 0.02; done`,
      'exit $fail',
    ].join('\n') + '\n',
  );
  const journal = `${dir}/job.jsonl`;
  const mark = log.mark();
  const hook = `echo run >> ${dir}/hook-runs; cat > /dev/null; sleep 0.2`;
  const g = startGate(['run', '--quiet', '--journal', journal, '--on-commit', hook, '--', 'sh', `${dir}/child.sh`], {
    env: home.env,
  });
  const supervisor = g.child.pid ?? 0;
  await waitFor(() => existsSync(`${dir}/ready`), 60_000, 'the command');
  const before = openFds(supervisor);
  writeFileSync(`${dir}/go`, '');
  await waitFor(() => existsSync(`${dir}/burst-done`), 180_000, 'the burst');
  // Connections close as their clients go (a closing socket lingers at most 2 s): back to the count before.
  await expect.poll(() => openFds(supervisor).size, { timeout: 15_000 }).toBeLessThanOrEqual(before.size);
  const after = openFds(supervisor);
  console.log(`supervisor descriptors: ${before.size} before ${CALLS} calls, ${after.size} after`);
  expect([...after.values()].filter((target) => target.startsWith('socket:')).length).toBeLessThanOrEqual(
    [...before.values()].filter((target) => target.startsWith('socket:')).length,
  );
  writeFileSync(`${dir}/end`, '');
  const r = await g.done;
  expect(r.code, r.stderr).toBe(0);
  expect(await unverified(files)).toEqual([]);
  expect(log.signaturesSince(mark)).toBe(CALLS);
  expect(readFileSync(`${dir}/hook-runs`, 'utf8')).toBe('run\n');
  expect(checkJournal(journal)).toEqual([]);
  const status = journalStatus(journal);
  expect(status).toMatchObject({ outcome: 'succeeded' });
  expect(status.signatures.filter((s) => s.state === 'signed' && s.exit === 0)).toHaveLength(CALLS);
  // `gpg-gate status` (the CLI, through a pipe) says the same.
  const cli = await runGate(['status', '--journal', journal]);
  expect(JSON.parse(cli.stdout)).toEqual(JSON.parse(JSON.stringify(status)));
});

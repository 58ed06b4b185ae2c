// One supervisor per journal: a second `run` on a journal in use is refused; the lock dies with its supervisor.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { events, readRecords, runGate, startGate, tempDir, waitFor, type TempDir } from '../helpers/gate-run.js';

let t: TempDir;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

const childStarted = (journal: string) => () =>
  existsSync(journal) && readFileSync(journal, 'utf8').includes('"event":"child-started"');
// What an embedder sees: flock(1) on the journal, without waiting.
const lockedByOthers = (journal: string) => spawnSync('flock', ['--nonblock', journal, 'true']).status !== 0;

it('a second run on a journal in use is refused (exit 1) and writes nothing; the first goes on', async () => {
  const journal = t.path('j.jsonl');
  const go = t.path('go');
  const first = startGate([
    'run',
    '--auto-commit',
    '--journal',
    journal,
    '--',
    'sh',
    '-c',
    `while [ ! -e ${go} ]; do sleep 0.05; done`,
  ]);
  await waitFor(childStarted(journal), 20_000, 'the first command');
  expect(lockedByOthers(journal)).toBe(true);
  const before = readFileSync(journal, 'utf8');
  const second = await runGate(['run', '--auto-commit', '--journal', journal, '--', 'touch', t.path('ran')]);
  expect(second.code).toBe(1);
  expect(second.stderr).toBe(
    `gpg-gate: the journal ${journal} is locked by another gpg-gate run (one supervisor per job at a time)\n`,
  );
  expect(existsSync(t.path('ran'))).toBe(false);
  expect(readFileSync(journal, 'utf8')).toBe(before);
  writeFileSync(go, '');
  expect((await first.done).code).toBe(0);
  expect(lockedByOthers(journal)).toBe(false);
});

it('kill -9 of the supervisor releases the lock: the next run continues the job', async () => {
  const journal = t.path('j.jsonl');
  const first = startGate(['run', '--auto-commit', '--journal', journal, '--', 'sleep', '30'], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await waitFor(childStarted(journal), 20_000, 'the first command');
  const orphan = (readRecords(journal).find((r) => r.event === 'child-started') as { pid: number }).pid;
  try {
    expect(lockedByOthers(journal)).toBe(true);
    first.child.kill('SIGKILL');
    await first.done;
    // The kernel dropped the lock with the supervisor's descriptor, though its command still runs.
    expect(lockedByOthers(journal)).toBe(false);
    const second = await runGate(['run', '--auto-commit', '--journal', journal, '--', 'true']);
    expect(second.code, second.stderr).toBe(0);
    const records = readRecords(journal);
    expect(events(records, 'job-resumed')).toHaveLength(1);
    expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded' });
  } finally {
    try {
      process.kill(orphan, 'SIGKILL');
    } catch {
      // Already gone.
    }
    // A supervisor killed with SIGKILL cannot remove its socket directory.
    const started = readRecords(journal).find((r) => r.event === 'job-started');
    if (started?.event === 'job-started') rmSync(dirname(started.options.socket), { recursive: true, force: true });
  }
});

// A signal to the shim while the supervisor's signature streams back: the shim dies of it as gpg would, the partly
// written output is removed, and nothing leaks anywhere else (the chunks still arriving before it dies go nowhere).
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI, readRecords, tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv } from '../helpers/gnupg-home.js';
import { run } from '../helpers/run.js';
import { supervisorSetup, type SupervisorSetup } from './support/supervisor-setup.js';

let t: TempDir;
let supervisor: SupervisorSetup;

beforeAll(() => {
  t = tempDir('gpg-gate-supervisor-signals-');
  supervisor = supervisorSetup('gnupg', 'ed25519');
});
afterAll(() => {
  supervisor.cleanup();
  t.cleanup();
});

it('SIGTERM while the signature arrives: the shim dies of it, no output file is left, stdout stays empty', async () => {
  const block = Buffer.from(
    'A line of text that gpg will clearsign, again and again and again and again.\n'.repeat(8192),
  );
  const fd = openSync(t.path('data.txt'), 'w');
  for (let n = 0; n < 96 * 1024 * 1024; n += block.length) writeSync(fd, block);
  closeSync(fd);
  // The output file appears with the first chunk of the signature: that is when the shim gets SIGTERM.
  const script = `gpg --batch -u ${supervisor.key.fingerprint} --clearsign data.txt & p=$!
while [ ! -e data.txt.asc ]; do sleep 0.01; done
kill -TERM $p; wait $p; echo $? > shim.rc`;
  const journal = t.path('journal.jsonl');
  const args = [CLI, 'run', ...supervisor.runArgs, '--auto-commit', '--quiet', '--journal', journal, '--'];
  const r = await run(process.execPath, [...args, 'sh', '-c', script], { cwd: t.dir, env: cleanEnv() });
  expect(r.code, r.stderr.toString()).toBe(0);
  expect(readFileSync(t.path('shim.rc'), 'utf8').trim()).toBe('143');
  expect(existsSync(t.path('data.txt.asc'))).toBe(false);
  expect(r.stdout.length).toBe(0);
  // The supervisor had recorded the signature before releasing it; the job itself went on and ended.
  const records = readRecords(journal);
  expect(records.filter((e) => e.event === 'signed')).toHaveLength(1);
  expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded' });
});

// SIGINT/SIGTERM/SIGHUP sent to `gpg-gate run` reach the command, are journaled, and stop further attempts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { events, readRecords, startGate, tempDir, waitFor, type TempDir } from '../helpers/gate-run.js';

let home: GnupgHome;
let t: TempDir;

beforeAll(() => {
  home = makeGnupgHome(['ed25519']);
});
afterAll(() => home.cleanup());
beforeEach(() => {
  t = tempDir();
  writeFileSync(t.path('data'), 'payload');
});
afterEach(() => t.cleanup());

function start(opts: string[], script: string) {
  return startGate(['run', '--journal', t.path('j.jsonl'), ...opts, '--', 'sh', '-c', script], { env: home.env });
}

const journalHas = (text: string) => () =>
  existsSync(t.path('j.jsonl')) && readFileSync(t.path('j.jsonl'), 'utf8').includes(text);

it('SIGTERM after the commitment point: forwarded, the command dies of it, exit 143', async () => {
  const g = start(
    ['--retries', '2', '--auto-commit'],
    `gpg --detach-sign --armor -u ${home.keys.ed25519.fingerprint} ${t.path('data')} && exec sleep 30`,
  );
  await waitFor(journalHas('"event":"signed"'), 10_000, 'the signature');
  g.child.kill('SIGTERM');
  const r = await g.done;
  expect(r.code).toBe(143);
  const records = readRecords(t.path('j.jsonl'));
  const pid = (records.find((x) => x.event === 'child-started') as { pid: number }).pid;
  expect(records.find((x) => x.event === 'signal-forwarded')).toMatchObject({ signal: 'SIGTERM', pid, attempt: 1 });
  expect(records.find((x) => x.event === 'child-exited')).toMatchObject({ signal: 'SIGTERM', exitCode: null });
  expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'failed-after-commit', exitCode: 143 });
  expect(r.stderr).toMatch(/forwarded SIGTERM to the command/);
});

it('SIGINT before the commitment point: exit 75 and no retry', async () => {
  const g = start(['--retries', '3', '--retry-delay', '0', '--auto-commit'], 'exec sleep 30');
  await waitFor(journalHas('child-started'), 10_000, 'the child');
  g.child.kill('SIGINT');
  const r = await g.done;
  expect(r.code).toBe(75);
  const records = readRecords(t.path('j.jsonl'));
  expect(events(records, 'attempt-started')).toHaveLength(1);
  expect(records.find((x) => x.event === 'attempt-ended')).toMatchObject({ failed: true, retry: false });
});

it('SIGHUP reaches a command that handles it', async () => {
  const g = start(
    ['--auto-commit'],
    `trap 'echo hup > ${t.path('got')}; exit 0' HUP; echo ready > ${t.path('ready')}; while :; do sleep 0.05; done`,
  );
  await waitFor(() => existsSync(t.path('ready')), 10_000, 'the trap');
  g.child.kill('SIGHUP');
  const r = await g.done;
  expect(readFileSync(t.path('got'), 'utf8')).toBe('hup\n');
  expect(r.code).toBe(0);
  expect(events(readRecords(t.path('j.jsonl')), 'signal-forwarded')).toHaveLength(1);
});

it('a signal during the delay between attempts ends the job without waiting it out', async () => {
  const delaySeconds = 20;
  const g = start(['--retries', '3', '--retry-delay', String(delaySeconds), '--auto-commit'], 'exit 4');
  await waitFor(journalHas('"retry":true'), 10_000, 'the first attempt to fail');
  const sent = Date.now();
  g.child.kill('SIGTERM');
  const r = await g.done;
  // Not a speed bound: only a run that waited out the delay could take this long.
  expect(Date.now() - sent).toBeLessThan(delaySeconds * 1000);
  expect(r.code).toBe(75);
  const records = readRecords(t.path('j.jsonl'));
  expect(events(records, 'attempt-started')).toHaveLength(1);
  expect(records.find((x) => x.event === 'signal-forwarded')).toMatchObject({ pid: null });
});

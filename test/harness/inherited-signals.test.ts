// The caller's signal state survives the gate: a parent that blocked HUP/INT/QUIT/TERM (tag2upload's Oracle does,
// before it starts a job) or ignored HUP (nohup) gets the job it would get without gpg-gate. Node resets both at
// start-up, so these tests run the installed entry points (dist/gpg-gate.js, the shim) as executables, never as
// `node FILE`: their sh line is what captures the state.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { CLI, events, readRecords, tempDir, type TempDir } from '../helpers/gate-run.js';
import { run } from '../helpers/run.js';

let home: GnupgHome;
let t: TempDir;

beforeAll(() => {
  home = makeGnupgHome(['ed25519']);
});
afterAll(() => home.cleanup());
beforeEach(() => {
  t = tempDir();
  writeFileSync(t.path('data'), 'payload\n');
});
afterEach(() => t.cleanup());

// The parent: its own process group, HUP/INT/QUIT/TERM blocked (as the Oracle's block_signals does), then the job
// started with fork+exec. Once the commit hook has started — the shim is then waiting for the decision, the command
// waiting for the shim — it sends SIGTERM to its whole process group, lets the hook finish, and reports the job's
// wait status.
const PARENT = String.raw`
use strict; use POSIX qw(:signal_h setpgid _exit);
my ($dir, @job) = @ARGV;
setpgid(0, 0) or die "setpgid: $!";
sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGHUP, SIGINT, SIGQUIT, SIGTERM)) or die "sigprocmask: $!";
my $pid = fork // die "fork: $!";
if (!$pid) { exec { $job[0] } @job; _exit(127); }
for (1 .. 600) { last if -e "$dir/in-hook"; select undef, undef, undef, 0.05; }
-e "$dir/in-hook" or die "the commit hook never started";
kill 'TERM', -getpgrp() or die "kill: $!";
open my $go, '>', "$dir/go" or die; close $go;
waitpid($pid, 0) == $pid or die "waitpid: $!";
print "status $?\n";
`;

// The hook runs in its own process group, so the parent's SIGTERM never reaches it.
const HOOK = (dir: string) => `touch ${dir}/in-hook; while [ ! -e ${dir}/go ]; do sleep 0.05; done; sleep 0.3; exit 0`;

// The command: a Perl program (no shell: dash would clear the mask of what it runs, with or without the gate)
// recording its signal mask, then signing with gpg found on PATH.
const COMMAND = (dir: string, key: string) => [
  'perl',
  '-e',
  String.raw`open my $s, '<', '/proc/self/status' or die; my ($blk) = grep { /^SigBlk/ } <$s>;
   open my $o, '>', "$ARGV[0]/mask" or die; print $o $blk; close $o;
   system { 'gpg' } 'gpg', '--batch', '-u', $ARGV[1], '--detach-sign', '--armor', '-o', "$ARGV[0]/data.asc", "$ARGV[0]/data";
   exit($? == 0 ? 0 : 1);`,
  dir,
  key,
];

/** Runs `parent` (PARENT or a variant) over one gated job that signs; its journal is j.jsonl. */
function underParent(parent: string) {
  const args = ['run', '--quiet', '--journal', t.path('j.jsonl'), '--on-commit', HOOK(t.dir), '--'];
  const command = COMMAND(t.dir, home.keys.ed25519.fingerprint);
  return run('perl', ['-e', parent, t.dir, CLI, ...args, ...command], { env: home.env, timeoutMs: 60_000 });
}

it('a parent that blocked HUP/INT/QUIT/TERM and then signals its process group: the job finishes and signs', async () => {
  const r = await underParent(PARENT);
  expect(r.stderr.toString()).toBe('');
  expect(r.stdout.toString()).toBe('status 0\n');
  // The command got the parent's mask (HUP INT QUIT TERM: bits 0, 1, 2, 14), not Node's empty one.
  expect(readFileSync(t.path('mask'), 'utf8')).toBe('SigBlk:\t0000000000004007\n');
  const records = readRecords(t.path('j.jsonl'));
  expect(events(records, 'signal-forwarded')).toEqual([]);
  expect(events(records, 'signed')).toHaveLength(1);
  expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded', exitCode: 0 });
  const verify = spawnSync('gpg', ['--verify', t.path('data.asc'), t.path('data')], { env: home.env });
  expect(verify.status).toBe(0);
});

it('a parent that ignores SIGTERM instead: still ignored by the command and the supervisor, the job signs', async () => {
  // Perl's 'IGNORE' is a disposition exec keeps: the job starts with TERM ignored, as nohup does for HUP.
  const r = await underParent(PARENT.replace(/^sigprocmask.*$/m, '$SIG{TERM} = "IGNORE";'));
  expect(r.stdout.toString()).toBe('status 0\n');
  const records = readRecords(t.path('j.jsonl'));
  expect(events(records, 'signal-forwarded')).toEqual([]);
  expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded', exitCode: 0 });
});

it('nohup gpg-gate run: the command ignores SIGHUP, and so does the supervisor', async () => {
  const journal = t.path('j.jsonl');
  const script = `grep SigIgn /proc/self/status > ${t.dir}/ign; kill -HUP $PPID; kill -HUP $$; sleep 0.2; echo alive > ${t.dir}/alive`;
  const r = await run(
    'nohup',
    [CLI, 'run', '--quiet', '--auto-commit', '--journal', journal, '--', 'sh', '-c', script],
    {
      env: home.env,
      timeoutMs: 60_000,
    },
  );
  expect(r.code).toBe(0);
  expect(existsSync(t.path('alive'))).toBe(true);
  // SIGHUP is bit 0 of SigIgn.
  const ign = BigInt(`0x${readFileSync(t.path('ign'), 'utf8').split(/\s+/)[1]}`);
  expect(ign & 1n).toBe(1n);
  const records = readRecords(journal);
  expect(events(records, 'signal-forwarded')).toEqual([]);
  expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded' });
});

it('nothing blocked or ignored: the command gets an empty mask, and SIGQUIT is forwarded like SIGTERM', async () => {
  const journal = t.path('j.jsonl');
  const script = `grep -E 'Sig(Blk|Ign)' /proc/self/status > ${t.dir}/state; kill -QUIT $PPID; exec sleep 5`;
  const r = await run(CLI, ['run', '--quiet', '--auto-commit', '--journal', journal, '--', 'sh', '-c', script], {
    env: home.env,
    timeoutMs: 60_000,
  });
  expect(r.code).toBe(75);
  expect(readFileSync(t.path('state'), 'utf8')).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  const records = readRecords(journal);
  expect(records.find((x) => x.event === 'signal-forwarded')).toMatchObject({ signal: 'SIGQUIT' });
  expect(records.find((x) => x.event === 'child-exited')).toMatchObject({ signal: 'SIGQUIT' });
});

// The demo itself: the tag2upload "HTTP 500" story told with real processes — gpg-gate's CLI, the shim signing with
// openpgp.js, a fake archive API on 127.0.0.1 — in a temporary directory that is removed at the end. Each claim the
// story makes is checked against the journal, the commit hook's record and the signatures; exit 0 iff all held.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startArchiveApi, type ApiCall, type ArchiveApi } from './archive-api.js';
import { Narrator } from './narrator.js';
import { rerunDemoJob, runDemoJob, type DemoPaths, type JobResult } from './run-job.js';
import { makeThrowawayKey, type ThrowawayKey } from './throwaway-key.js';
import { verifyQueue } from './verify-upload.js';

/** The caller's environment without anything that would point the demo at a real supervisor, key or gpg home. */
function demoBaseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('GPG_GATE_') || k.startsWith('DEMO_') || k === 'GNUPGHOME' || k === 'GPG_AGENT_INFO') continue;
    env[k] = v;
  }
  return env;
}

const EXIT_NOTHING_COMMITTED = 75;

export async function story(paths: DemoPaths, options: { keep: boolean }): Promise<number> {
  const started = performance.now();
  const n = new Narrator();
  const root = mkdtempSync(join(tmpdir(), 'gpg-gate-demo-'));
  let api: ArchiveApi | null = null;
  const cleanup = () => {
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    n.intro();
    const key = await makeThrowawayKey(root);
    api = await startArchiveApi((line) => n.detail(line));
    // An empty GNUPGHOME (the user's gpg.conf stays out) and TMPDIR inside the demo directory (the socket, spools).
    for (const d of ['gnupg', 'tmp']) mkdirSync(join(root, d), { mode: 0o700 });
    const env: NodeJS.ProcessEnv = {
      ...demoBaseEnv(),
      GPG_GATE_BACKEND: 'openpgp',
      GPG_GATE_KEY: key.secretFile,
      GNUPGHOME: join(root, 'gnupg'),
      TMPDIR: join(root, 'tmp'),
      DEMO_ARCHIVE_API: api.url,
      DEMO_KEY_FPR: key.fingerprint,
    };
    n.setup(`throwaway key ${key.fingerprint} (${key.userId}), made just now with openpgp.js`);
    n.setup(`the shim signs with it in-process: GPG_GATE_BACKEND=openpgp GPG_GATE_KEY=${key.secretFile}`);
    n.setup(`fake archive API at ${api.url}; everything lives in ${root}`);

    await firstRun(n, paths, join(root, 'run-1'), env, api, key);
    await secondRun(n, paths, join(root, 'run-2'), env, api);
  } catch (err) {
    n.check(`the demo ran to the end (${(err as Error).message})`, false);
  } finally {
    await api?.close();
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (options.keep) n.say(`kept ${root}`);
  return n.finish(performance.now() - started);
}

const callsSince = (api: ArchiveApi, before: number): ApiCall[] => api.calls.slice(before);

async function firstRun(
  n: Narrator,
  paths: DemoPaths,
  dir: string,
  env: NodeJS.ProcessEnv,
  api: ArchiveApi,
  key: ThrowawayKey,
): Promise<void> {
  n.act('Run 1: the archive API answers HTTP 500 to the first question, before anything is signed');
  n.command('gpg-gate run --on-commit <record the upload> --retries 2 -- upload');
  api.script({ orig: [500] });
  const before = api.calls.length;
  const r = await runDemoJob(paths, dir, 'demo-run-1', env);
  n.blank();
  const calls = callsSince(api, before);
  const ev = (name: string, attempt: number) =>
    r.records.some((e) => e.event === name && 'attempt' in e && e.attempt === attempt);
  const ended1 = r.records.find((e) => e.event === 'attempt-ended' && e.attempt === 1);
  n.check(
    'attempt 1 failed before the commitment point (HTTP 500, nothing signed, nothing committed): retried',
    calls[0]?.status === 500 &&
      ended1?.event === 'attempt-ended' &&
      ended1.failed &&
      ended1.retry &&
      !ev('sign-requested', 1) &&
      !ev('commit-requested', 1),
  );
  const first = r.status.signatures[0];
  n.check(
    `attempt 2 reached the commitment point at \`gpg ${first?.argv.join(' ') ?? '?'}\``,
    ev('commit-requested', 2) && first?.attempt === 2 && first.argv.includes('tag.tmp'),
  );
  n.check(
    `the commit hook ran exactly once, in attempt ${r.commitments[0]?.attempt ?? '?'}`,
    r.commitments.length === 1 && r.commitments[0]?.attempt === 2,
  );
  const verified = await verifyQueue(r.queue, key.publicArmored);
  n.check(
    `both signatures were made after the commit and verify with openpgp.js: ${verified.map((v) => `${v.file} ${v.ok ? 'good' : `BAD (${v.detail})`}`).join(', ')}`,
    r.status.signatures.length === 2 &&
      r.status.signatures.every((s) => s.state === 'signed') &&
      verified.every((v) => v.ok),
  );
  n.check(
    `gpg-gate exit ${r.exitCode}, outcome ${r.status.outcome} after ${r.status.attempts} attempts`,
    r.exitCode === 0 && r.status.outcome === 'succeeded' && r.status.attempts === 2,
  );
}

async function secondRun(
  n: Narrator,
  paths: DemoPaths,
  dir: string,
  env: NodeJS.ProcessEnv,
  api: ArchiveApi,
): Promise<void> {
  n.act('Run 2: the archive API fails AFTER the commitment point (the upload is queued, its confirmation fails)');
  n.command('gpg-gate run --on-commit <record the upload> --retries 2 -- upload');
  api.script({ upload: [500] });
  const before = api.calls.length;
  const r: JobResult = await runDemoJob(paths, dir, 'demo-run-2', env);
  n.blank();
  const calls = callsSince(api, before);
  n.check(
    'the failure came after the signatures: the commit hook ran once, 2 signatures exist',
    r.commitments.length === 1 &&
      r.status.signatures.filter((s) => s.state === 'signed').length === 2 &&
      calls.at(-1)?.endpoint === 'upload' &&
      calls.at(-1)?.status === 500,
  );
  n.check(
    `gpg-gate exit ${r.exitCode} (not ${EXIT_NOTHING_COMMITTED}), outcome ${r.status.outcome}: NOT safe to retry — version 1.0-1 may be spent`,
    r.exitCode !== 0 && r.exitCode !== EXIT_NOTHING_COMMITTED && r.status.outcome === 'failed-after-commit',
  );
  n.check(
    `no automatic retry although --retries 2 (${r.status.attempts} attempt)`,
    r.status.attempts === 1 && calls.filter((c) => c.endpoint === 'orig').length === 1,
  );

  n.act('Run 2 again: someone retries blindly with the same journal');
  n.command('gpg-gate run --on-commit <record the upload> --journal <run 2’s journal> -- upload');
  const again = api.calls.length;
  const code = await rerunDemoJob(paths, dir, env);
  n.blank();
  n.check(
    `gpg-gate refuses (exit ${code}, not ${EXIT_NOTHING_COMMITTED}): the upload script never ran, the API was not asked`,
    code !== 0 && code !== EXIT_NOTHING_COMMITTED && api.calls.length === again,
  );
}

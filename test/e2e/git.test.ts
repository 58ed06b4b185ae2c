// git signs through the gate exactly as users run it: `git commit -S`, `git tag -s`, `git tag -u KEY` in one job
// (the commit step runs once, at the first of them), then `git verify-tag`, `git verify-commit` and
// `git log --show-signature` pass through the shim to the real gpg without ever reaching the commit step.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '../helpers/gate-run.js';
import { requireTool } from '../helpers/require-tool.js';
import { testKeys } from '../helpers/test-keys.js';
import { explain, requestBackends, runJob, type JobRun } from './support/gate-job.js';
import { isolatedGitEnv } from './support/isolated-git.js';
import { matching } from './support/matchers.js';
import { signingModes, type SigningSetup } from './support/signing-modes.js';

// What git passes to gpg for every signature (docs/design.md, "Facts about gpg and its callers"): payload on stdin, signature on stdout.
const gitSignArgv = (key: string) => ['--status-fd=2', '-bsau', key];
// What git passes to gpg for every verification.
const gitVerifyArgv = ['--keyid-format=long', '--status-fd=1', '--verify', matching(/\/\.git_vtag_tmp/), '-'];

describe.each(signingModes())('git under gpg-gate run, $name', ({ setup: makeSetup }) => {
  const keys = testKeys();
  const defaultKey = keys.ed25519; // user.signingkey
  const otherKey = keys.rsa3072; // git tag -u
  let t: TempDir;
  let setup: SigningSetup;
  let repo: string;
  let gitEnv: NodeJS.ProcessEnv;
  let signing: JobRun | undefined;

  beforeAll(() => {
    t = tempDir('gpg-gate-e2e-git-');
    setup = makeSetup({ commandVerifies: true });
    repo = t.path('repo');
    mkdirSync(repo);
    gitEnv = isolatedGitEnv(t.dir, { name: 'gpg-gate test', email: defaultKey.email, signingKey: defaultKey.email });
  });
  afterAll(() => {
    setup.cleanup();
    t.cleanup();
  });

  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: repo, env: { ...gitEnv, GNUPGHOME: setup.commandHome.dir }, encoding: 'utf8' });

  // Runs `git ARGS` alone as a job (a job must not be needed for verification, but must not disturb it either).
  const gitJob = (name: string, ...args: string[]) =>
    runJob({ dir: t.dir, name, command: ['git', ...args], cwd: repo, setup, env: gitEnv });

  it('commit -S, tag -s and tag -u KEY are one job: the commit step once, three signatures', async (ctx) => {
    requireTool(ctx, 'git', 'signs commits and tags');
    git('init', '-q');
    writeFileSync(join(repo, 'README'), 'signed through gpg-gate\n');
    git('add', 'README');
    const r = await runJob({
      dir: t.dir,
      name: 'git-sign',
      command: [
        'sh',
        '-c',
        `git commit -q -S -m 'signed commit' && git tag -s v1.0 -m 'signed tag' && git tag -u ${otherKey.fingerprint} v1.0-rsa -m 'tag by another key'`,
      ],
      cwd: repo,
      setup,
      env: gitEnv,
    });
    signing = r;
    expect(r.code, explain(r)).toBe(0);
    expect(r.status.outcome).toBe('succeeded');

    // The argv git really passed, as the shim logged it.
    const signCalls = r.gpgCalls.filter((c) => c.classification === 'sign');
    expect(signCalls.map((c) => c.argv)).toEqual([
      gitSignArgv(defaultKey.email),
      gitSignArgv(defaultKey.email),
      gitSignArgv(otherKey.fingerprint),
    ]);
    expect(signCalls.every((c) => c.decision === 'proceed' && c.exit === 0 && c.job === r.job)).toBe(true);

    // The commit step ran once, for the first signature (the commit), in attempt 1 of this job.
    expect(r.hookCalls).toHaveLength(1);
    // Who signed: the shim's gnupg backend, or the supervisor (the command's GNUPGHOME has no secret key).
    expect(requestBackends(r)).toEqual(Array<string>(3).fill(setup.requestBackend));
    expect(r.hookCalls[0]).toMatchObject({ job: r.job, attempt: 1, request: { argv: gitSignArgv(defaultKey.email) } });

    // The journal: three signatures, in order, each made after `committed` was on record.
    expect(r.status.signatures.map((s) => [s.argv, s.state, s.exit])).toEqual([
      [gitSignArgv(defaultKey.email), 'signed', 0],
      [gitSignArgv(defaultKey.email), 'signed', 0],
      [gitSignArgv(otherKey.fingerprint), 'signed', 0],
    ]);
    const events = r.records.map((e) => e.event);
    expect(events.filter((e) => e === 'commit-requested')).toHaveLength(1);
    expect(events.indexOf('committed')).toBeLessThan(events.indexOf('sign-approved'));
    expect(events.indexOf('committed')).toBeLessThan(events.indexOf('signed'));
  });

  it('the journal holds the sha256 of exactly the tag payloads git signed', (ctx) => {
    requireTool(ctx, 'git', 'reads the tag objects');
    expect(signing, 'the signing job ran').toBeDefined();
    // A signed tag object is its payload followed by the armored signature that gpg returned for it.
    const payload = (tag: string) => {
      const object = git('cat-file', 'tag', tag);
      return object.slice(0, object.indexOf('-----BEGIN PGP SIGNATURE-----'));
    };
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const [, tagSig, rsaSig] = signing!.status.signatures;
    expect(tagSig?.sha256).toBe(sha(payload('v1.0')));
    expect(rsaSig?.sha256).toBe(sha(payload('v1.0-rsa')));
  });

  it('git verify-tag passes through the shim and names each tag’s key', async (ctx) => {
    requireTool(ctx, 'git', 'verifies tags');
    for (const [tag, key] of [
      ['v1.0', defaultKey],
      ['v1.0-rsa', otherKey],
    ] as const) {
      const r = await gitJob(`verify-tag-${tag}`, 'verify-tag', '--raw', tag);
      expect(r.code, explain(r)).toBe(0);
      expect(r.stderr.toString()).toMatch(
        new RegExp(`^\\[GNUPG:\\] VALIDSIG ${key.fingerprint} .* ${key.fingerprint}$`, 'm'),
      );
      expectPassthroughOnly(r);
    }
  });

  it('git verify-commit passes through the shim', async (ctx) => {
    requireTool(ctx, 'git', 'verifies commits');
    const r = await gitJob('verify-commit', 'verify-commit', '--raw', 'HEAD');
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr.toString()).toMatch(new RegExp(`^\\[GNUPG:\\] GOODSIG ${defaultKey.keyId} `, 'm'));
    expectPassthroughOnly(r);
  });

  it('git log --show-signature passes through the shim', async (ctx) => {
    requireTool(ctx, 'git', 'shows signatures');
    const r = await gitJob('log', 'log', '--show-signature', '-1');
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout.toString()).toContain(`Good signature from "${defaultKey.userId}"`);
    expect(r.stdout.toString()).toContain('signed commit');
    expectPassthroughOnly(r);
  });

  it('a tampered tag fails verification through the shim (the check is real)', async (ctx) => {
    requireTool(ctx, 'git', 'verifies tags');
    const object = git('cat-file', 'tag', 'v1.0').replace('signed tag', 'tampered tag');
    const id = execFileSync('git', ['hash-object', '-t', 'tag', '-w', '--stdin'], {
      cwd: repo,
      env: gitEnv,
      input: object,
      encoding: 'utf8',
    }).trim();
    const r = await gitJob('verify-tampered', 'verify-tag', '--raw', id);
    expect(r.code).not.toBe(0);
    expect(r.stderr.toString()).toMatch(/^\[GNUPG:\] BADSIG /m);
    expect(r.gpgCalls.map((c) => [c.argv, c.decision, c.exit])).toEqual([[gitVerifyArgv, 'passthrough', 1]]);
    expect(r.hookCalls).toEqual([]);
  });
});

/** A read-only job: gpg was called only to verify, nothing reached the gate, the commit step never ran. */
function expectPassthroughOnly(r: JobRun): void {
  expect(r.gpgCalls.length).toBeGreaterThan(0);
  expect(r.gpgCalls.map((c) => [c.argv, c.decision])).toEqual(r.gpgCalls.map(() => [gitVerifyArgv, 'passthrough']));
  expect(r.hookCalls).toEqual([]);
  expect(r.records.some((e) => e.event === 'sign-requested')).toBe(false);
  expect(r.status).toMatchObject({ outcome: 'succeeded', signatures: [] });
}

// Real callers, unchanged, under --agent-gate: git `tag -s` and `commit -S` with the default gpg (the shim on
// PATH), debsign over a generated upload, and dgit's signing sequence (tag, then debsign) as one job. Each signs
// with the job's keyless GNUPGHOME; every signature verifies against the key holder's public key; the journal
// proves the job: succeeded, one commit step, every signature signed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../harness/records.js';
import { buildSourcePackage } from '../e2e/support/debian-source.js';
import { isolatedGitEnv } from '../e2e/support/isolated-git.js';
import { tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';
import {
  explain,
  firstIndex,
  gitSigner,
  gpgvSigner,
  jobEnded,
  makeKeyHolder,
  runAgentJob,
  type AgentJobRun,
  type KeyHolder,
  useKeyHolder,
  MODES,
} from './support/agent-job.js';

/** The proof a job's journal must give: succeeded, one commit step before any approval, `agents` signatures made. */
function expectProvenJob(r: AgentJobRun, agents: number, shim: boolean): void {
  expect(r.code, explain(r)).toBe(0);
  expect(r.status).toMatchObject({ outcome: 'succeeded', attempts: 1, committed: 'yes', exitCode: 0 });
  const count = (event: string) => r.records.filter((e: JobRecord) => e.event === event).length;
  expect(count('commit-requested')).toBe(1);
  expect(count('committed')).toBe(1);
  expect(r.hookCalls).toHaveLength(1);
  expect(firstIndex(r.records, 'committed')).toBeLessThan(firstIndex(r.records, 'sign-approved'));
  // Every request signed, exit 0: the agent's PKSIGNs, and (with the shim) the shim's calls around them.
  expect(r.status.signatures.map((s) => [s.state, s.exit])).toEqual(r.status.signatures.map(() => ['signed', 0]));
  const bySource = (source: string) => r.status.signatures.filter((s) => s.source === source).length;
  expect(bySource('agent')).toBe(agents);
  expect(bySource('shim')).toBe(shim ? agents : 0);
  expect(jobEnded(r.records)).toMatchObject({ outcome: 'succeeded', exitCode: 0, signatures: agents });
}

describe('git with the default gpg (the shim) under --agent-gate', () => {
  let t: TempDir;
  let holder: KeyHolder;
  let repo: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    t = tempDir('gpg-gate-agent-callers-git-');
    holder = makeKeyHolder(t.dir);
    repo = t.path('repo');
    mkdirSync(repo);
    // git finds `gpg` on PATH: the shim, whose real gpg signs through the proxy.
    env = isolatedGitEnv(t.dir, { name: 'gpg-gate test', email: holder.key.email, signingKey: holder.key.fingerprint });
    execFileSync('git', ['init', '-q'], { cwd: repo, env });
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'unsigned root'], { cwd: repo, env });
  });
  afterAll(() => {
    holder.cleanup();
    t.cleanup();
  });

  it('git commit -S: one commit step, a commit that git verify-commit accepts', async () => {
    const mark = holder.log.mark();
    const r = await runAgentJob({
      dir: t.dir,
      name: 'commit',
      holder,
      shim: true,
      cwd: repo,
      env,
      command: ['git', 'commit', '-q', '-S', '--allow-empty', '-m', 'signed through the agent gate'],
    });
    expectProvenJob(r, 1, true);
    // git's own call reached the commit step through the shim, before gpg spoke to the agent.
    expect(r.hookCalls[0]?.request).toMatchObject({
      type: 'sign-request',
      argv: ['--status-fd=2', '-bsau', holder.key.fingerprint],
    });
    expect(holder.log.signaturesSince(mark)).toBe(1);
    expect(gitSigner(holder, repo, env, ['verify-commit', 'HEAD'])).toBe(holder.key.fingerprint);
  });

  it('git tag -s: one commit step, a tag that git verify-tag accepts', async () => {
    const mark = holder.log.mark();
    const r = await runAgentJob({
      dir: t.dir,
      name: 'tag',
      holder,
      shim: true,
      cwd: repo,
      env,
      command: ['git', 'tag', '-s', '-m', 'release 1.0', 'v1.0'],
    });
    expectProvenJob(r, 1, true);
    expect(r.hookCalls[0]?.request).toMatchObject({
      type: 'sign-request',
      argv: ['--status-fd=2', '-bsau', holder.key.fingerprint],
    });
    expect(holder.log.signaturesSince(mark)).toBe(1);
    expect(gitSigner(holder, repo, env, ['verify-tag', 'v1.0'])).toBe(holder.key.fingerprint);
  });
});

describe.each(MODES)('debsign and dgit’s sequence under --agent-gate, $mode', ({ shim }) => {
  const fx = useKeyHolder('gpg-gate-agent-callers-deb-');
  const caseDir = () => fx.caseDir();

  it('debsign -kKEY signs .dsc, .buildinfo, .changes in one job; gpgv accepts each', async (ctx) => {
    requireTool(ctx, 'debsign', 'signs the upload');
    requireTool(ctx, 'dpkg-source', 'builds the source package');
    requireTool(ctx, 'gpgv', 'verifies the signed files');
    const dir = caseDir();
    const pkg = buildSourcePackage(dir, fx.holder.key.userId);
    const mark = fx.holder.log.mark();
    const r = await runAgentJob({
      dir,
      name: 'debsign',
      holder: fx.holder,
      shim,
      cwd: pkg.dir,
      // debsign reads ~/.devscripts: an empty HOME keeps the user's settings out.
      env: cleanEnv({ HOME: dir }),
      command: ['debsign', '--no-conf', `-k${fx.holder.key.fingerprint}`, basename(pkg.changes)],
    });
    expectProvenJob(r, 3, shim);
    expect(r.hookCalls[0]?.request.type).toBe(shim ? 'sign-request' : 'agent-pksign');
    expect(fx.holder.log.signaturesSince(mark)).toBe(3);
    for (const f of [pkg.dsc, pkg.buildinfo, pkg.changes]) {
      expect(readFileSync(f, 'utf8'), basename(f)).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\n/);
      expect(gpgvSigner(fx.holder, [f]), basename(f)).toBe(fx.holder.key.fingerprint);
    }
  });

  it('dgit’s sequence, the tag then debsign: four signatures, one commit step at the tag, stdin untouched', async (ctx) => {
    requireTool(ctx, 'debsign', 'signs the upload after the tag');
    requireTool(ctx, 'dpkg-source', 'builds the source package');
    requireTool(ctx, 'gpgv', 'verifies the signatures');
    const dir = caseDir();
    const pkg = buildSourcePackage(dir, fx.holder.key.userId);
    const tagTmp = join(pkg.dir, 'tag.tmp');
    // A tag object as dgit writes it before signing (push_mktags); dgit's argv (test/e2e/dgit-sequence.test.ts).
    writeFileSync(
      tagTmp,
      `object ${'0'.repeat(40)}\ntype commit\ntag archive/debian/1.0\ntagger ${fx.holder.key.userId} 1704067200 +0000\n\n` +
        'hello-gate release 1.0 for unstable (sid) [dgit]\n\n[dgit distro=debian no-split]\n',
    );
    // Bytes waiting in the job's stdin, which stays open: a gpg that read stdin would swallow them (or hang).
    const sentinel = 'stdin-is-not-for-gpg\n';
    const fpr = fx.holder.key.fingerprint;
    const script = [
      `gpg --detach-sign --armor -u ${fpr} tag.tmp`,
      `debsign -k${fpr} ${basename(pkg.changes)}`,
      `timeout 5 head -c ${Buffer.byteLength(sentinel)} > stdin-left-over`,
    ].join(' && ');
    const mark = fx.holder.log.mark();
    const r = await runAgentJob({
      dir,
      name: 'dgit-sequence',
      holder: fx.holder,
      shim,
      cwd: pkg.dir,
      env: cleanEnv({ HOME: dir }),
      command: ['sh', '-c', script],
      stdinKeptOpenWith: sentinel,
    });
    expectProvenJob(r, 4, shim);
    expect(readFileSync(join(pkg.dir, 'stdin-left-over'), 'utf8')).toBe(sentinel);
    // The commit step ran for the tag: the shim's request names tag.tmp; without the shim, the first PKSIGN.
    expect(r.hookCalls[0]?.request).toMatchObject(
      shim
        ? { type: 'sign-request', argv: ['--detach-sign', '--armor', '-u', fpr, 'tag.tmp'] }
        : { type: 'agent-pksign' },
    );
    expect(fx.holder.log.signaturesSince(mark)).toBe(4);
    expect(gpgvSigner(fx.holder, [`${tagTmp}.asc`, tagTmp])).toBe(fpr);
    for (const f of [pkg.dsc, pkg.buildinfo, pkg.changes]) expect(gpgvSigner(fx.holder, [f]), basename(f)).toBe(fpr);
  });
});

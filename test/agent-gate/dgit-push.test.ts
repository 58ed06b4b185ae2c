// The real dgit under the agent gate: `dgit push-source` of a tiny native package to an offline distro (as
// test/e2e/dgit-push.test.ts does it), the key only in the key holder's home. A broken archive query stops dgit before
// any signature (exit 75, no PKSIGN); the rerun on the same journal signs dgit's tags and debsign's files, each call
// asked for by the shim and each PKSIGN held by the proxy, the commit step once, at dgit's first tag.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShimRequest } from '../../harness/records.js';
import { DISTRO, dgitPush } from '../e2e/support/dgit-distro.js';
import { PACKAGE, VERSION } from '../e2e/support/debian-source.js';
import { explain, runJob } from '../e2e/support/gate-job.js';
import { exportKeyring, gpgv, validSigner } from '../e2e/support/gpgv.js';
import { makePublicHome, type SigningModeName, type SigningSetup } from '../e2e/support/signing-modes.js';
import { tempDir, type TempDir } from '../helpers/gate-run.js';
import { makeGnupgHome } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';
import { testKeys } from '../helpers/test-keys.js';

const SENTINEL = 'stdin-is-not-for-gpg\n';

describe('dgit push-source under --agent-gate (the shim on PATH)', () => {
  const key = testKeys().ed25519;
  let t: TempDir;
  let setup: SigningSetup;

  beforeAll(() => {
    t = tempDir('gpg-gate-agent-dgit-');
    const keyHome = makeGnupgHome(['ed25519', 'rsa3072']);
    // The supervisor's own GNUPGHOME does not matter: the command gets the job's home from --agent-gate.
    const commandHome = makePublicHome();
    setup = {
      mode: 'agent gate' as SigningModeName,
      signingHome: keyHome,
      commandHome,
      runArgs: ['--agent-gate', '--gnupghome', keyHome.dir],
      requestBackend: 'gnupg',
      cleanup() {
        keyHome.cleanup();
        commandHome.cleanup();
      },
    };
  });
  afterAll(() => {
    setup.cleanup();
    t.cleanup();
  });

  it('archive query fails: exit 75, no PKSIGN; the rerun signs tags then debsign, one commit step', async (ctx) => {
    requireTool(ctx, 'dgit', 'is the client under test');
    requireTool(ctx, 'debsign', 'dgit signs the .changes with it');
    requireTool(ctx, 'gpgv', 'verifies the upload');
    const { env, tree, uploads, brokenAnswer, command, stdinLeftOver } = dgitPush(t.dir, key);
    const push = () =>
      runJob({
        dir: t.dir,
        name: 'dgit-push',
        command: command(SENTINEL.length),
        cwd: tree,
        setup,
        env,
        stdinKeptOpenWith: SENTINEL,
        timeoutMs: 60_000,
      });

    writeFileSync(brokenAnswer, 'internal-server-error\n');
    const failed = await push();
    expect(failed.code, explain(failed)).toBe(75);
    expect(failed.status).toMatchObject({ outcome: 'failed-before-commit', committed: 'no', signatures: [] });
    expect(failed.records.filter((e) => e.event === 'sign-requested')).toEqual([]);

    rmSync(brokenAnswer);
    const r = await push();
    expect(r.code, explain(r)).toBe(0);
    expect(r.status).toMatchObject({ outcome: 'succeeded', attempts: 2, committed: 'yes' });
    expect(readFileSync(stdinLeftOver, 'utf8')).toBe(SENTINEL);

    // Every signing call: the shim's request (dgit's argv), then the PKSIGN it led to, held by the proxy.
    const requests = r.records.flatMap((e) => (e.event === 'sign-requested' ? [e.request] : []));
    const shim = requests.filter((q): q is ShimRequest => q.type === 'sign-request');
    const agent = requests.filter((q) => q.type === 'agent-pksign');
    expect(shim.length).toBeGreaterThanOrEqual(4); // two tags, .dsc, .changes (and .buildinfo when dgit makes one)
    expect(agent).toHaveLength(shim.length);
    expect(requests.map((q) => q.type)).toEqual(shim.flatMap(() => ['sign-request', 'agent-pksign']));
    expect(shim[0]?.argv.slice(0, 4)).toEqual(['--detach-sign', '--armor', '-u', key.fingerprint]);
    expect(r.status.signatures.every((s) => s.state === 'signed' && s.exit === 0)).toBe(true);
    expect(r.records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded', signatures: agent.length });

    // The commit step once, at dgit's first tag, asked by the shim (its argv reached the hook).
    expect(r.hookCalls).toHaveLength(1);
    expect(r.hookCalls[0]).toMatchObject({ attempt: 2, request: { type: 'sign-request', argv: shim[0]?.argv } });
    const events = r.records.map((e) => e.event);
    expect(events.filter((e) => e === 'commit-requested')).toHaveLength(1);
    expect(events.indexOf('committed')).toBeLessThan(events.indexOf('signed'));

    // The upload verifies with the key holder's public key; dgit's tags verify.
    const changes = `${PACKAGE}_${VERSION}_source.changes`;
    const keyring = exportKeyring(setup.commandHome, t.path('keyring.gpg'));
    for (const f of [join(uploads, changes), t.path(`${PACKAGE}_${VERSION}.dsc`)]) {
      expect(validSigner(gpgv(keyring, [f], env)), f).toBe(key.fingerprint);
    }
    const bare = t.path('dgit-repos', `${PACKAGE}.git`);
    const tags = execFileSync('git', ['tag', '-l'], { cwd: bare, env, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(tags.sort()).toEqual([`${DISTRO}/${VERSION}`, `archive/${DISTRO}/${VERSION}`].sort());
    for (const tag of tags) {
      execFileSync('git', ['verify-tag', tag], {
        cwd: bare,
        env: { ...env, ...setup.commandHome.env },
        stdio: 'ignore',
      });
    }
  });
});

// The real dgit, offline: `dgit push-source` of a tiny native package to a distro configured like dgit's own test
// suite does it (archive queries from files, the dgit git server a local bare repository, dput a recording script).
// First the archive query fails — dgit stops before any signature, and gpg-gate says so with exit 75; the rerun on the
// same journal signs dgit's tags, verifies them, pushes, then runs debsign — all through the gate, the commit step
// once, at dgit's first tag.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '../helpers/gate-run.js';
import { requireTool } from '../helpers/require-tool.js';
import { testKeys } from '../helpers/test-keys.js';
import { debsignArgv } from './support/debsign.js';
import { matching } from './support/matchers.js';
import { PACKAGE, VERSION } from './support/debian-source.js';
import { explain, requestBackends, runJob } from './support/gate-job.js';
import { exportKeyring, gpgv, validSigner } from './support/gpgv.js';
import { DISTRO, dgitPush } from './support/dgit-distro.js';
import { signingModes, type SigningSetup } from './support/signing-modes.js';

const SENTINEL = 'stdin-is-not-for-gpg\n';

describe.each(signingModes())('dgit push-source under gpg-gate run, $name', ({ setup: makeSetup }) => {
  const key = testKeys().ed25519;
  let t: TempDir;
  let setup: SigningSetup;

  beforeAll(() => {
    t = tempDir('gpg-gate-e2e-dgit-');
    setup = makeSetup({ commandVerifies: true });
  });
  afterAll(() => {
    setup.cleanup();
    t.cleanup();
  });

  it('archive query fails: exit 75, nothing signed; the rerun signs the tags first (the commitment point), then debsign', async (ctx) => {
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

    // The archive is broken (as an API answering HTTP 500 would be): dgit stops before signing anything.
    writeFileSync(brokenAnswer, 'internal-server-error\n');
    const failed = await push();
    expect(failed.code, explain(failed)).toBe(75);
    expect(failed.stderr.toString()).toMatch(/archive query failed/);
    expect(failed.status).toMatchObject({ outcome: 'failed-before-commit', committed: 'no', signatures: [] });
    expect(failed.hookCalls).toEqual([]);
    expect(failed.gpgCalls.filter((c) => c.classification === 'sign')).toEqual([]);

    // The archive answers again: the same command on the same journal continues the job, as attempt 2.
    rmSync(brokenAnswer);
    const r = await push();
    expect(r.code, explain(r)).toBe(0);
    expect(r.status).toMatchObject({ outcome: 'succeeded', attempts: 2 });
    expect(readFileSync(stdinLeftOver, 'utf8')).toBe(SENTINEL);

    // dgit's tag signing (push_mktags): one call per tag file, in dgit's own order (10.x: tag.tmp first).
    const tagArgv = ['--detach-sign', '--armor', '-u', key.fingerprint, matching(/\/\.git\/dgit\/tag(-dgit)?\.tmp$/)];
    const changes = `${PACKAGE}_${VERSION}_source.changes`;
    const listed = readFileSync(join(uploads, changes), 'utf8');
    const signedFiles = [
      `${PACKAGE}_${VERSION}.dsc`,
      ...(/_source\.buildinfo$/m.test(listed) ? [`${PACKAGE}_${VERSION}_source.buildinfo`] : []),
      changes,
    ];
    const signatures = r.status.signatures;
    expect(signatures.map((s) => [s.argv, s.state])).toEqual([
      [tagArgv, 'signed'],
      [tagArgv, 'signed'],
      ...signedFiles.map((f) => [debsignArgv(key.fingerprint, f), 'signed']),
    ]);
    expect(new Set(signatures.slice(0, 2).map((s) => basename(s.argv.at(-1)!)))).toEqual(
      new Set(['tag.tmp', 'tag-dgit.tmp']),
    );

    // The commit step once, at dgit's first tag: the point after which dgit itself says "use a new version number".
    expect(r.hookCalls).toHaveLength(1);
    // Who signed: the shim's gnupg backend, or the supervisor (the command's GNUPGHOME has no secret key).
    expect(requestBackends(r)).toEqual(signatures.map(() => setup.requestBackend));
    expect(r.hookCalls[0]).toMatchObject({ job: r.job, attempt: 2, request: { argv: signatures[0]!.argv } });
    expect(signatures.every((s) => s.attempt === 2)).toBe(true);
    const events = r.records.map((e) => e.event);
    expect(events.filter((e) => e === 'commit-requested')).toHaveLength(1);
    expect(events.indexOf('committed')).toBeLessThan(events.indexOf('signed'));

    // dgit verified its own tags through the shim (git verify-tag → gpg --verify, passed through).
    const verifies = r.gpgCalls.filter((c) => c.argv.includes('--verify'));
    expect(verifies.length).toBeGreaterThanOrEqual(2);
    expect(verifies.every((c) => c.decision === 'passthrough' && c.exit === 0)).toBe(true);

    // What reached the "archive": dput got the signed .changes, and the dgit repo holds the signed tags.
    expect(readFileSync(join(uploads, 'dput-args'), 'utf8').trim()).toBe(`${DISTRO} ../${changes}`);
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
        env: { ...env, GNUPGHOME: setup.commandHome.dir },
        stdio: 'ignore',
      });
    }
  });
});

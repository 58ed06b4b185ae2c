// dgit's signing sequence as ONE job, with dgit's exact argv (docs/design.md, "Facts about gpg and its callers"): first the tag,
// `gpg --detach-sign --armor -u KEY tag.tmp` with stdin inherited from dgit (an open pipe that gpg must not read),
// then `debsign -kKEY X.changes` over .dsc, .buildinfo, .changes. The commit step runs once, at the tag — the
// commitment point — and the journal lists the four signatures in order. (dgit-push.test.ts runs dgit itself.)
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';
import { testKeys } from '../helpers/test-keys.js';
import { debsignArgv } from './support/debsign.js';
import { escapeRegExp, matching } from './support/matchers.js';
import { buildSourcePackage } from './support/debian-source.js';
import { explain, requestBackends, jobStatus, runJob } from './support/gate-job.js';
import { exportKeyring, gpgv, validSigner } from './support/gpgv.js';
import { signingModes, type SigningSetup } from './support/signing-modes.js';

// Bytes waiting in the job's stdin pipe, which stays open: a gpg that read stdin would swallow them (or hang).
const SENTINEL = 'stdin-is-not-for-gpg\n';

describe.each(signingModes())('dgit’s signing sequence as one job, $name', ({ setup: makeSetup }) => {
  const key = testKeys().ed25519;
  let t: TempDir;
  let setup: SigningSetup;

  beforeAll(() => {
    t = tempDir('gpg-gate-e2e-dgit-seq-');
    setup = makeSetup();
  });
  afterAll(() => {
    setup.cleanup();
    t.cleanup();
  });

  it('tag, then debsign: one commit step at the tag, four signatures in order, stdin untouched', async (ctx) => {
    requireTool(ctx, 'debsign', 'signs the upload after the tag');
    requireTool(ctx, 'dpkg-source', 'builds the source package');
    requireTool(ctx, 'gpgv', 'verifies the signatures');
    const pkg = buildSourcePackage(t.dir, key.userId);
    const tagTmp = join(pkg.dir, 'tag.tmp');
    // A tag object as dgit writes it before signing (push_mktags).
    writeFileSync(
      tagTmp,
      `object ${'0'.repeat(40)}\ntype commit\ntag archive/debian/1.0\ntagger ${key.userId} 1704067200 +0000\n\n` +
        'hello-gate release 1.0 for unstable (sid) [dgit]\n\n[dgit distro=debian no-split]\n',
    );
    const changes = basename(pkg.changes);
    const tagArgv = ['--detach-sign', '--armor', '-u', key.fingerprint, 'tag.tmp'];
    // What dgit runs (runcmd: stdin inherited); then the sentinel must still be in the pipe.
    const script = [
      `gpg ${tagArgv.join(' ')}`,
      `debsign -k${key.fingerprint} ${changes}`,
      `timeout 5 head -c ${Buffer.byteLength(SENTINEL)} > stdin-left-over`,
    ].join(' && ');
    const r = await runJob({
      dir: t.dir,
      name: 'dgit-sequence',
      command: ['sh', '-c', script],
      cwd: pkg.dir,
      setup,
      // debsign reads ~/.devscripts: an empty HOME keeps the user's settings out.
      env: cleanEnv({ HOME: t.dir }),
      stdinKeptOpenWith: SENTINEL,
      timeoutMs: 45_000,
    });
    expect(r.code, explain(r)).toBe(0);
    expect(readFileSync(join(pkg.dir, 'stdin-left-over'), 'utf8')).toBe(SENTINEL);

    // The commit step ran once, for the tag: the first signing call of the job.
    expect(r.hookCalls).toHaveLength(1);
    // Who signed: the shim's gnupg backend, or the supervisor (the command's GNUPGHOME has no secret key).
    expect(requestBackends(r)).toEqual(Array<string>(4).fill(setup.requestBackend));
    expect(r.hookCalls[0]).toMatchObject({
      job: r.job,
      attempt: 1,
      request: {
        argv: tagArgv,
        inputs: [{ name: 'tag.tmp', size: readFileSync(tagTmp).length }],
        output: 'tag.tmp.asc',
      },
    });

    // `gpg-gate status --journal`: four signatures in dgit's order.
    const files = [pkg.dsc, pkg.buildinfo, pkg.changes].map((f) => basename(f));
    const expected = [tagArgv, ...files.map((f) => debsignArgv(key.fingerprint, f))];
    const status = jobStatus(r.journal);
    expect(status).toMatchObject({ job: r.job, outcome: 'succeeded', attempts: 1, committed: 'yes', exitCode: 0 });
    expect(status.signatures.map((s) => [s.argv, s.state, s.exit])).toEqual(expected.map((a) => [a, 'signed', 0]));

    // The journal lines: the commit is on record before the first approval, and never asked for again.
    const lines = r.records.map((e) =>
      e.event === 'sign-requested' && e.request.type === 'sign-request'
        ? `sign-requested ${e.request.argv.at(-1)}`
        : e.event,
    );
    const signing = lines.filter((l) => /^(sign-|signed|commit)/.test(l));
    const asked = (f: string) => matching(new RegExp(`^sign-requested .*/${escapeRegExp(f)}$`));
    expect(signing).toEqual([
      'sign-requested tag.tmp',
      'commit-requested',
      'committed',
      'sign-approved',
      'signed',
      ...files.flatMap((f) => [asked(f), 'sign-approved', 'signed']),
    ]);

    const keyring = exportKeyring(setup.signingHome, t.path('keyring.gpg'));
    expect(validSigner(gpgv(keyring, [`${tagTmp}.asc`, tagTmp], cleanEnv()))).toBe(key.fingerprint);
    for (const f of [pkg.dsc, pkg.buildinfo, pkg.changes]) {
      expect(validSigner(gpgv(keyring, [f], cleanEnv())), basename(f)).toBe(key.fingerprint);
    }
  });
});

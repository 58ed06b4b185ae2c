// Issue 5 item 3, the proof that the key stays out: the supervised command runs in a build environment with no secret
// key at all (a GNUPGHOME holding only the public key; the supervisor's key files unreadable, in a bwrap sandbox),
// and still git (commit -S, tag -s), dgit's `gpg --detach-sign --armor -u KEY tag.tmp` (stdin an open pipe nobody
// writes) and debsign (.dsc, .buildinfo, .changes) get their signatures — from the supervisor, after the commit step.
// The same call without the supervisor fails with "No secret key". Every signature verifies with gpg --verify, gpgv
// and git verify-commit / verify-tag.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../harness/records.js';
import { buildSourcePackage } from '../e2e/support/debian-source.js';
import { exportKeyring, gpgv, validSigner } from '../e2e/support/gpgv.js';
import { isolatedGitEnv } from '../e2e/support/isolated-git.js';
import { makePublicHome } from '../e2e/support/signing-modes.js';
import { runGpg } from '../openpgp/support/gpg-runner.js';
import { CLI, readRecords, tempDir, type TempDir } from '../helpers/gate-run.js';
import type { GnupgHome } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';
import { start } from '../helpers/run.js';
import { sandboxAvailable, sandboxPrefix } from './support/sandbox.js';
import { KEY_OF, supervisorSetup, type SignerBackend, type SupervisorSetup } from './support/supervisor-setup.js';

// The "build": what it could and could not do goes into probe/, the signing callers run as they would in dgit.
const BUILD_SCRIPT = `#!/bin/sh
set -u
probe="$WORK/probe"
mkdir -p "$probe"
gpg --batch --with-colons --list-secret-keys > "$probe/secret-keys" 2>/dev/null
: > "$probe/readable"
for p in $SECRET_PATHS; do
  if [ -e "$p" ]; then echo "$p" >> "$probe/readable"; fi
done
# Without the supervisor, the build environment's own gpg has nothing to sign with.
mkdir -p "$WORK/unsupervised" && cp "$WORK/dgit/tag.tmp" "$WORK/unsupervised/"
(cd "$WORK/unsupervised" && env -u GPG_GATE_SOCKET GPG_GATE_UNSUPERVISED=passthrough \\
  gpg --detach-sign --armor -u "$KEY" tag.tmp) 2> "$probe/unsupervised.err"
echo $? > "$probe/unsupervised.rc"
cd "$WORK/repo" && git init -q && echo 'signed through the supervisor' > README && git add README &&
  git commit -q -S -m 'signed commit' && git tag -s v1.0 -m 'signed tag' || exit 10
cd "$WORK/dgit" && gpg --detach-sign --armor -u "$KEY" tag.tmp || exit 11
cd "$PKG_DIR" && debsign --no-conf -k"$KEY" "$CHANGES" || exit 12
`;

const TAG_TMP = `object 4b825dc642cb6eb9a060e54bf8d69288fbee4904
type commit
tag debian/1.0
tagger gpg-gate test <test@example.invalid> 1704067200 +0000

hello-gate release 1.0 for unstable [dgit]
[dgit distro=debian no-split]
`;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function signed(records: readonly JobRecord[]) {
  return records.filter((r): r is Extract<JobRecord, { event: 'signed' }> => r.event === 'signed');
}

describe.each(['gnupg', 'openpgp'] as SignerBackend[])('--sign-in-supervisor --backend %s', (backend) => {
  let t: TempDir;
  let supervisor: SupervisorSetup;
  let commandHome: GnupgHome;
  const key = () => supervisor.key;

  beforeAll(() => {
    t = tempDir('gpg-gate-key-out-');
    supervisor = supervisorSetup(backend);
    commandHome = makePublicHome([KEY_OF[backend]]);
  });
  afterAll(() => {
    supervisor.cleanup();
    commandHome.cleanup();
    t.cleanup();
  });

  it('git, dgit and debsign sign through the supervisor; the build environment holds no key and cannot sign', async (ctx) => {
    for (const tool of ['git', 'debsign', 'dpkg-source', 'gpgv']) requireTool(ctx, tool, 'the callers and verifiers');
    const sandboxed = sandboxAvailable();
    if (!sandboxed && process.env.CI === 'true') throw new Error('bwrap cannot make a sandbox here under CI');
    const work = t.dir;
    for (const d of ['repo', 'dgit', 'sock']) mkdirSync(t.path(d), { mode: 0o700 });
    writeFileSync(t.path('dgit', 'tag.tmp'), TAG_TMP);
    writeFileSync(t.path('build.sh'), BUILD_SCRIPT, { mode: 0o755 });
    const pkg = buildSourcePackage(t.path(), key().userId);
    const journal = t.path('journal.jsonl');
    const env = {
      ...isolatedGitEnv(work, { name: 'gpg-gate test', email: key().email, signingKey: key().fingerprint }),
      GNUPGHOME: commandHome.dir,
      WORK: work,
      KEY: key().fingerprint,
      SECRET_PATHS: supervisor.secretPaths.join(' '),
      PKG_DIR: pkg.dir,
      CHANGES: basename(pkg.changes),
    };
    const command = [...(sandboxed ? sandboxPrefix(work) : []), 'sh', t.path('build.sh')];
    const args = [
      'run',
      ...supervisor.runArgs,
      '--auto-commit',
      '--quiet',
      '--journal',
      journal,
      '--socket',
      t.path('sock', 'S.gpg-gate'),
      '--',
      ...command,
    ];
    // stdin of the whole job is an open pipe nobody writes to: a caller that read it would hang.
    const r = await start(process.execPath, [CLI, ...args], { cwd: work, env, keepStdinOpen: true }).done;
    expect(r.code, r.stderr.toString()).toBe(0);

    // The build environment had no secret key, could reach none of the supervisor's key material, and its own gpg
    // could not sign the very call dgit makes.
    expect(readFileSync(t.path('probe', 'secret-keys'), 'utf8')).toBe('');
    if (sandboxed) expect(readFileSync(t.path('probe', 'readable'), 'utf8')).toBe('');
    else await ctx.annotate('bwrap is not usable here: the key files were not hidden from the build');
    expect(readFileSync(t.path('probe', 'unsupervised.rc'), 'utf8').trim()).toBe('2');
    expect(readFileSync(t.path('probe', 'unsupervised.err'), 'utf8')).toMatch(/No secret key/);
    expect(existsSync(t.path('unsupervised', 'tag.tmp.asc'))).toBe(false);

    // Six signatures, all made by the supervisor after the one commit step, each recorded with its output digest.
    const records = readRecords(journal);
    const requests = records.flatMap((r) =>
      r.event === 'sign-requested' && r.request.type === 'sign-request' ? [r.request] : [],
    );
    expect(requests).toHaveLength(6);
    expect(requests.every((q) => q.backend === 'supervisor' && q.payload)).toBe(true);
    const events = records.map((r) => r.event);
    expect(events.filter((e) => e === 'committed')).toHaveLength(1);
    expect(events.indexOf('committed')).toBeLessThan(events.indexOf('signed'));
    expect(signed(records).map((s) => s.exit)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded', signatures: 6 });
    const dgitCall = requests.findIndex(
      (q) => q.argv.join(' ') === `--detach-sign --armor -u ${key().fingerprint} tag.tmp`,
    );
    expect(dgitCall).toBeGreaterThanOrEqual(0);
    expect(signed(records)[dgitCall]?.outputSha256).toBe(sha256(readFileSync(t.path('dgit', 'tag.tmp.asc'))));

    // Every signature verifies, by the signing (sub)key, with gpg --verify and with gpgv.
    const keyring = exportKeyring(commandHome, t.path('keyring.gpg'));
    const verify = (files: string[], cwd: string) => {
      const g = runGpg(['--batch', '--verify', ...files], { env: commandHome.env, cwd });
      expect(g.code, g.stderr).toBe(0);
      expect(g.status).toContainEqual(expect.stringMatching(`^VALIDSIG ${key().signingFingerprint} `));
      expect(
        validSigner(
          gpgv(
            keyring,
            files.map((f) => join(cwd, f)),
            commandHome.env,
          ),
        ),
      ).toBe(key().signingFingerprint);
    };
    verify(['tag.tmp.asc', 'tag.tmp'], t.path('dgit'));
    for (const file of [pkg.dsc, pkg.buildinfo, pkg.changes]) {
      expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\n/);
      verify([basename(file)], pkg.dir);
    }

    // git's own verification (the real gpg, public key only), and gpgv over the tag's payload and signature.
    const git = (...a: string[]) =>
      execFileSync('git', a, {
        cwd: t.path('repo'),
        env: { ...env, PATH: process.env.PATH },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    git('verify-commit', 'HEAD');
    git('verify-tag', 'v1.0');
    const tag = git('cat-file', 'tag', 'v1.0');
    const at = tag.indexOf('-----BEGIN PGP SIGNATURE-----');
    writeFileSync(t.path('tag.payload'), tag.slice(0, at));
    writeFileSync(t.path('tag.sig'), tag.slice(at));
    verify(['tag.sig', 'tag.payload'], t.dir);
  });
});

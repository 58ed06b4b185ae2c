// A build sandbox (bubblewrap, a minimal tree with node but no node_modules) signs through a supervisor outside it:
// `gpg-gate install-shim` puts the shim at the sandbox's /usr/local/bin, the supervisor listens on `--socket` in a 0700
// directory bound into the sandbox at /run/gpg-gate, and `git tag -s` and debsign run inside. With
// --sign-in-supervisor the sandbox's GNUPGHOME holds public keys only: the signatures are made outside.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSourcePackage } from '../e2e/support/debian-source.js';
import { explain, runJob, type JobRun } from '../e2e/support/gate-job.js';
import { exportKeyring, gpgv, validSigner } from '../e2e/support/gpgv.js';
import { makePublicHome, signingModes, type SigningSetup } from '../e2e/support/signing-modes.js';
import { CLI, tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv, type GnupgHome } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';
import { BWRAP, bwrapCommand } from '../helpers/sandbox.js';
import { testKeys } from '../helpers/test-keys.js';

// Where things are as seen from inside the sandbox.
const BUILD = '/build';
const GNUPG = '/gnupg';
const SOCKET_DIR = '/run/gpg-gate';
const SHIM_BIN = '/usr/local/bin';

describe.each(signingModes())('a bubblewrap sandbox signs through gpg-gate run, $name', ({ setup: makeSetup }) => {
  const key = testKeys().ed25519;
  let t: TempDir;
  let setup: SigningSetup;
  /** The sandbox's GNUPGHOME: the signing home (gnupg backend), or the public key alone (--sign-in-supervisor). */
  let sandboxHome: GnupgHome;

  const supervised = () => setup.runArgs.includes('--sign-in-supervisor');

  beforeAll(() => {
    t = tempDir('gpg-gate-sandbox-');
    setup = makeSetup();
    sandboxHome = supervised() ? makePublicHome(['ed25519']) : setup.signingHome;
    mkdirSync(t.path('box', 'home'), { recursive: true });
    mkdirSync(t.path('sock'), { mode: 0o700 });
    // The shim as a chroot gets it: the CLI's own install-shim, into a directory that becomes /usr/local/bin.
    execFileSync(process.execPath, [CLI, 'install-shim', t.path('shim-bin')], { stdio: 'ignore' });
  });
  afterAll(() => {
    if (sandboxHome !== setup.signingHome) sandboxHome.cleanup();
    setup.cleanup();
    t.cleanup();
  });

  /** One job: `gpg-gate run --socket DIR/sock/S.gpg-gate … -- bwrap … -- COMMAND`. */
  async function sandboxJob(name: string, cwd: string, command: string[]): Promise<JobRun> {
    const sandbox = bwrapCommand({
      binds: [
        { host: t.path('box'), inside: BUILD },
        { host: sandboxHome.dir, inside: GNUPG },
        { host: t.path('shim-bin'), inside: SHIM_BIN, readOnly: true },
        { host: t.path('sock'), inside: SOCKET_DIR },
      ],
      // run set these for the host; the inside sees other paths. GPG_GATE_TOKEN and GPG_GATE_JOB pass unchanged.
      env: {
        PATH: `${SHIM_BIN}:/usr/bin`,
        HOME: `${BUILD}/home`,
        GNUPGHOME: GNUPG,
        GPG_GATE_SOCKET: `${SOCKET_DIR}/S.gpg-gate`,
        GPG_GATE_LOG: `${BUILD}/gpg-log.jsonl`,
      },
      cwd,
      command,
    });
    const started = Date.now();
    const r = await runJob({
      dir: t.dir,
      name,
      command: sandbox,
      cwd: t.dir,
      setup: { ...setup, runArgs: [...setup.runArgs, '--socket', t.path('sock', 'S.gpg-gate')] },
      // The supervisor's environment, which bwrap passes on: nothing of the test process beyond PATH.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: t.dir },
    });
    console.info(
      `[sandbox, ${setup.mode}] ${name}: exit ${r.code} in ${Date.now() - started} ms; journal: ${r.records
        .map((e) => e.event)
        .join(' ')}`,
    );
    return r;
  }

  /** What every signing job in the sandbox shows in its journal: one commit step, then each signature, as asked. */
  function expectSignedInJob(r: JobRun, signatures: number): void {
    expect(r.code, explain(r)).toBe(0);
    expect(r.status.outcome).toBe('succeeded');
    expect(r.hookCalls).toHaveLength(1);
    expect(r.status.signatures.map((s) => [s.state, s.exit])).toEqual(Array(signatures).fill(['signed', 0]));
    const events = r.records.map((e) => e.event);
    expect(events.indexOf('committed')).toBeLessThan(events.indexOf('signed'));
    // Every request came from inside the sandbox, with the backend of the mode.
    const requests = r.records.flatMap((e) =>
      e.event === 'sign-requested' && e.request.type === 'sign-request' ? [e.request] : [],
    );
    expect(requests.map((q) => q.backend)).toEqual(Array(signatures).fill(supervised() ? 'supervisor' : 'gnupg'));
    if (supervised()) {
      // The build environment never held a secret key.
      const secret = execFileSync('gpg', ['--batch', '--list-secret-keys', '--with-colons'], {
        env: sandboxHome.env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      expect(secret).toBe('');
    }
  }

  it('git tag -s in a repository inside the sandbox; the tag verifies inside and outside', async (ctx) => {
    requireTool(ctx, BWRAP, 'builds the sandbox');
    requireTool(ctx, 'git', 'signs the tag');
    writeFileSync(
      t.path('box', 'home', '.gitconfig'),
      `[user]\n  name = gpg-gate test\n  email = ${key.email}\n  signingkey = ${key.email}\n[init]\n  defaultBranch = main\n`,
    );
    const script = [
      'set -e',
      'git init -q repo && cd repo',
      'echo "built in a sandbox" > README && git add README && git commit -q -m initial',
      "git tag -s v1.0 -m 'signed from a sandbox'",
      'git verify-tag v1.0', // read-only: through the shim to the real gpg inside, with the public key
    ].join('\n');
    const r = await sandboxJob('git-tag', BUILD, ['sh', '-c', script]);
    expectSignedInJob(r, 1);
    expect(r.hookCalls[0]?.request).toMatchObject({
      argv: ['--status-fd=2', '-bsau', key.email],
      cwd: `${BUILD}/repo`,
    });
    expect(r.stderr.toString()).toContain(`Good signature from "${key.userId}"`);

    // Outside: the host's git and gpg (no shim), with the public key only.
    const pub = makePublicHome(['ed25519']);
    try {
      const v = spawnSync('git', ['verify-tag', '--raw', 'v1.0'], {
        cwd: t.path('box', 'repo'),
        env: { ...pub.env, GIT_CONFIG_NOSYSTEM: '1', HOME: t.path('box', 'home') },
        encoding: 'utf8',
      });
      expect(v.status, v.stderr).toBe(0);
      expect(v.stderr).toMatch(new RegExp(`^\\[GNUPG:\\] VALIDSIG ${key.fingerprint} `, 'm'));
      // The digest the journal holds is of the tag payload git signed.
      const object = execFileSync('git', ['cat-file', 'tag', 'v1.0'], { cwd: t.path('box', 'repo'), encoding: 'utf8' });
      const payload = object.slice(0, object.indexOf('-----BEGIN PGP SIGNATURE-----'));
      expect(r.status.signatures[0]?.sha256).toBe(createHash('sha256').update(payload).digest('hex'));
    } finally {
      pub.cleanup();
    }
  });

  it('debsign over .dsc, .buildinfo, .changes inside the sandbox; gpgv outside accepts each', async (ctx) => {
    requireTool(ctx, BWRAP, 'builds the sandbox');
    requireTool(ctx, 'debsign', 'signs the upload');
    requireTool(ctx, 'dpkg-source', 'builds the source package');
    requireTool(ctx, 'gpgv', 'verifies the signed files');
    const pkg = buildSourcePackage(t.path('box', 'pkg'), key.userId);
    const r = await sandboxJob('debsign', `${BUILD}/pkg`, [
      'debsign',
      '--no-conf',
      `-k${key.fingerprint}`,
      basename(pkg.changes),
    ]);
    expectSignedInJob(r, 3);
    // debsign signs copies in its own directory under the sandbox's private /tmp.
    expect(r.status.signatures.map((s) => s.argv.at(-1))).toEqual(
      [pkg.dsc, pkg.buildinfo, pkg.changes].map(
        (f) => expect.stringMatching(new RegExp(`^/tmp/debsign\\.[^/]+/${basename(f)}$`)) as unknown,
      ),
    );

    const keyring = exportKeyring(setup.signingHome, t.path('keyring.gpg'));
    for (const file of [pkg.dsc, pkg.buildinfo, pkg.changes]) {
      expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\n/);
      const v = gpgv(keyring, [file], cleanEnv());
      expect(validSigner(v), `${basename(file)}: ${v.stderr}`).toBe(key.fingerprint);
    }
  });
});

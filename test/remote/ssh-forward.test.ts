// A remote build host signs through a supervisor on this side of an OpenSSH connection: `gpg-gate run --socket LOCAL
// -- ssh -R REMOTE:LOCAL host 'gpg --detach-sign …'` against a real sshd on 127.0.0.1. The shim on the remote side
// talks to the forwarded socket; the commit step, the journal and (with --sign-in-supervisor) the key stay here.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, runJob, type JobRun } from '../e2e/support/gate-job.js';
import { exportKeyring, gpgv, validSigner } from '../e2e/support/gpgv.js';
import { signingModes, type SigningSetup } from '../e2e/support/signing-modes.js';
import { tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv, makeEmptyGnupgHome } from '../helpers/gnupg-home.js';
import { startRemoteHost, type RemoteHost, type RemoteScript } from '../helpers/remote-host.js';
import { requireTool } from '../helpers/require-tool.js';
import { SSHD } from '../helpers/sshd.js';
import { testKeys } from '../helpers/test-keys.js';

const modes = signingModes();
const key = testKeys().ed25519;
const DATA = 'a tag2upload-style payload, signed on the far side of ssh\n';

let t: TempDir;
let host: RemoteHost | undefined;

beforeAll(() => {
  t = tempDir('gpg-gate-remote-');
});
afterAll(async () => {
  await host?.stop();
  t.cleanup();
});

/** The sshd and remote side, started by the first test that has the tools (a missing tool skips before this). */
async function remoteHost(ctx: { skip: (note?: string) => never }): Promise<RemoteHost> {
  requireTool(ctx, SSHD, 'the remote host');
  requireTool(ctx, 'ssh', 'reaches the remote host');
  requireTool(ctx, 'ssh-keygen', 'makes throwaway host and user keys');
  host ??= await startRemoteHost(t.dir);
  return host;
}

/** Runs `gpg --detach-sign --armor -u KEY NAME` remotely as one job; the supervisor's socket is in LOCAL/. */
async function remoteSigningJob(
  h: RemoteHost,
  setup: SigningSetup,
  name: string,
  token: RemoteScript['token'],
): Promise<JobRun> {
  const file = `${name}.txt`;
  writeFileSync(join(h.dir, file), DATA);
  const local = t.path(`local-${name}`);
  mkdirSync(local, { mode: 0o700 });
  const supervised = setup.runArgs.includes('--sign-in-supervisor');
  // The remote side's GNUPGHOME: the signing home (gnupg backend), or an empty one (the supervisor signs).
  const remoteHome = supervised ? makeEmptyGnupgHome() : setup.signingHome;
  const command = h.command(join(local, 'S.gpg-gate'), {
    script: `gpg --detach-sign --armor -u ${key.fingerprint} ${file}`,
    gnupghome: remoteHome.dir,
    token,
    ...(supervised ? { backend: 'supervisor' } : {}),
  });
  const started = Date.now();
  let r: JobRun;
  try {
    r = await runJob({
      dir: t.dir,
      name,
      command,
      cwd: t.dir,
      setup: { ...setup, runArgs: [...setup.runArgs, '--socket', join(local, 'S.gpg-gate')] },
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: t.dir },
    });
  } finally {
    if (remoteHome !== setup.signingHome) remoteHome.cleanup();
  }
  console.info(
    `[remote, ${setup.mode}, token ${token}] ${name}: exit ${r.code} in ${Date.now() - started} ms; journal: ${r.records
      .map((e) => e.event)
      .join(' ')}`,
  );
  return r;
}

/** The signature is on the remote side, verifies, and the journal here holds the request the remote shim made. */
function expectRemoteSignature(h: RemoteHost, setup: SigningSetup, r: JobRun, name: string): void {
  expect(r.code, explain(r)).toBe(0);
  expect(r.status.outcome).toBe('succeeded');
  expect(r.hookCalls).toHaveLength(1);
  const supervised = setup.runArgs.includes('--sign-in-supervisor');
  expect(r.hookCalls[0]?.request).toMatchObject({
    argv: ['--detach-sign', '--armor', '-u', key.fingerprint, `${name}.txt`],
    cwd: h.dir,
    backend: supervised ? 'supervisor' : 'gnupg',
    sha256: createHash('sha256').update(DATA).digest('hex'),
  });
  expect(r.status.signatures.map((s) => [s.state, s.exit])).toEqual([['signed', 0]]);
  const signature = join(h.dir, `${name}.txt.asc`);
  expect(readFileSync(signature, 'utf8')).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);
  const keyring = exportKeyring(setup.signingHome, t.path(`${name}.keyring.gpg`));
  const v = gpgv(keyring, [signature, join(h.dir, `${name}.txt`)], cleanEnv());
  expect(validSigner(v), v.stderr).toBe(key.fingerprint);
  // The output digest the journal recorded is that of the signature file the remote side holds.
  expect(r.status.signatures[0]?.outputSha256).toBe(createHash('sha256').update(readFileSync(signature)).digest('hex'));
}

describe.each(modes)('a remote build host signs over ssh -R, $name', ({ setup: makeSetup }) => {
  let setup: SigningSetup;
  beforeAll(() => {
    setup = makeSetup();
  });
  afterAll(() => setup.cleanup());

  it('gpg --detach-sign remotely, the token sent with SendEnv: signature there, journal here', async (ctx) => {
    const h = await remoteHost(ctx);
    const name = `sendenv-${modes.findIndex((m) => m.name === setup.mode)}`;
    const r = await remoteSigningJob(h, setup, name, 'send-env');
    expectRemoteSignature(h, setup, r, name);
  });
});

describe('the token on ssh’s stdin instead (a host without AcceptEnv)', () => {
  it('gpg --detach-sign remotely with the token read from stdin', async (ctx) => {
    const h = await remoteHost(ctx);
    const setup = modes.at(-1)!.setup(); // the strongest mode this build offers
    try {
      const r = await remoteSigningJob(h, setup, 'stdin', 'stdin');
      expectRemoteSignature(h, setup, r, 'stdin');
      expect(existsSync(join(h.dir, 'stdin.txt.asc'))).toBe(true);
    } finally {
      setup.cleanup();
    }
  });
});

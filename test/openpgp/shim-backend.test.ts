// The shim's openpgp backend as callers meet it: passphrase sources, output rules, GPG_GATE_KEY problems, what it
// refuses to do, the descriptors it writes to, and that nothing but a signing call ever loads openpgp.js.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../shim/argv/classify.js';
import type { SignJob } from '../../shim/backends/backend.js';
import { startGateServer, type GateServer } from '../helpers/gate-server.js';
import { makeEmptyGnupgHome, makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { shimDir } from '../helpers/shim.js';
import { TEST_PASSPHRASE, testKeys } from '../helpers/test-keys.js';
import { runGpg } from './support/gpg-runner.js';
import { keyFileText } from './support/keys.js';
import { openpgpEnv, runProgram, runShim } from './support/shim-run.js';

let verifier: GnupgHome;
let shimHome: GnupgHome;
let server: GateServer;
let work: string;
let keyFile: string;
const DATA = 'payload to sign\n';

beforeAll(async () => {
  verifier = makeGnupgHome(['ed25519', 'passphrase']);
  shimHome = makeEmptyGnupgHome();
  server = await startGateServer('proceed');
  work = mkdtempSync(join(tmpdir(), 'gpg-gate-openpgp-shim-'));
  keyFile = join(work, 'keys.asc');
  writeFileSync(keyFile, keyFileText(['ed25519', 'passphrase']));
  writeFileSync(join(work, 'data.txt'), DATA);
});
afterAll(async () => {
  await server.close();
  verifier.cleanup();
  shimHome.cleanup();
  rmSync(work, { recursive: true, force: true });
});
afterEach(() => {
  rmSync(join(shimHome.dir, 'gpg.conf'), { force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}) => openpgpEnv(server.env(), keyFile, { GNUPGHOME: shimHome.dir, ...extra });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function verifyDetached(signature: Buffer): boolean {
  writeFileSync(join(work, 'check.sig'), signature);
  return runGpg(['--batch', '--verify', 'check.sig', 'data.txt'], { env: verifier.env, cwd: work }).code === 0;
}

describe('passphrases, as gpg takes them', () => {
  const pass = ['--batch', '--pinentry-mode', 'loopback', '-u', 'passphrase@example.invalid', '-bs'];
  it('--passphrase-fd N (one line)', async () => {
    const r = await runShim({
      args: ['--passphrase-fd', '4', ...pass, '-o', '-', 'data.txt'],
      cwd: work,
      env: env(),
      fds: { 4: `${TEST_PASSPHRASE}\nnot part of it\n` },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(verifyDetached(r.stdout)).toBe(true);
  });

  it('--passphrase-file FILE', async () => {
    writeFileSync(join(work, 'pass.txt'), `${TEST_PASSPHRASE}\n`);
    const r = await runShim({
      args: ['--passphrase-file', 'pass.txt', ...pass, '-o', '-', 'data.txt'],
      cwd: work,
      env: env(),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(verifyDetached(r.stdout)).toBe(true);
  });

  it('--passphrase VALUE', async () => {
    const r = await runShim({
      args: ['--passphrase', TEST_PASSPHRASE, ...pass, '-o', '-', 'data.txt'],
      cwd: work,
      env: env(),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(verifyDetached(r.stdout)).toBe(true);
  });

  it('a passphrase without loopback: gpg would run pinentry; a clear refusal instead, exit 2', async () => {
    const r = await runShim({
      args: [
        '--batch',
        '--passphrase',
        TEST_PASSPHRASE,
        '-u',
        'passphrase@example.invalid',
        '-bs',
        '-o',
        '-',
        'data.txt',
      ],
      cwd: work,
      env: env(),
    });
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/pinentry cannot run here; use --pinentry-mode loopback/);
    expect(r.status.at(-1)).toBe('FAILURE sign 67108949');
  });

  it('--passphrase-fd 0 with the data on stdin: the first line is the passphrase, the rest the data, as gpg reads them', async () => {
    const r = await runShim({
      args: ['--passphrase-fd', '0', ...pass],
      cwd: work,
      env: env(),
      input: `${TEST_PASSPHRASE}\n${DATA}`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(verifyDetached(r.stdout)).toBe(true);
    // The supervisor approved the digest of the data alone: the passphrase line is neither hashed nor signed.
    expect(server.requests.at(-1)?.sha256).toBe(sha256(Buffer.from(DATA)));
  });
});

describe('output', () => {
  const args = ['-u', 'ed25519@example.invalid', '-bsa', 'data.txt'];
  let existing = '';
  beforeAll(() => {
    existing = join(work, 'data.txt.asc');
  });

  it('an existing output in batch mode without --yes: gpg’s "File exists", exit 2, file untouched', async () => {
    writeFileSync(existing, 'keep me\n');
    const r = await runShim({ args: ['--batch', ...args], cwd: work, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gpg: signing failed: File exists$/m);
    expect(r.status).toContain('FAILURE sign 33587235');
    expect(readFileSync(existing, 'utf8')).toBe('keep me\n');
  });

  it('without --batch gpg would ask on the terminal: a clear refusal, no hang', async () => {
    writeFileSync(existing, 'keep me\n');
    const r = await runShim({ args, cwd: work, env: env(), timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would ask on the terminal whether to overwrite it/);
    expect(readFileSync(existing, 'utf8')).toBe('keep me\n');
  });

  it('--yes overwrites; the result reported to the supervisor is the digest of the file written', async () => {
    writeFileSync(existing, 'old\n');
    const r = await runShim({ args: ['--batch', '--yes', ...args], cwd: work, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const written = readFileSync(existing);
    expect(verifyDetached(written)).toBe(true);
    expect(server.results.at(-1)).toMatchObject({ exit: 0, outputSha256: sha256(written), outputSize: written.length });
  });

  it('status lines go to the --status-fd git uses (2), log lines to --logger-fd', async () => {
    const r = await runShim({
      args: ['--status-fd=2', '--logger-fd', '5', '-bsau', 'nobody@example.invalid'],
      cwd: work,
      env: env(),
      input: DATA,
      statusFd: null,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('[GNUPG:] INV_SGNR 9 nobody@example.invalid\n[GNUPG:] FAILURE sign 17\n');
  });
});

describe('GPG_GATE_KEY', () => {
  const args = ['--batch', '-bsa', '-o', '-', 'data.txt'];
  it.each([
    ['unset', undefined, /GPG_GATE_KEY is not set/],
    ['missing file', '/nonexistent/key.asc', /cannot read GPG_GATE_KEY '\/nonexistent\/key.asc'/],
    ['no secret key in it', 'PUBLIC', /no secret key block found/],
  ])('%s: a clear error, exit 2, nothing signed', async (_name, value, message) => {
    const extra: NodeJS.ProcessEnv = {};
    if (value === 'PUBLIC') extra.GPG_GATE_KEY = testKeys().ed25519.publicFile;
    else extra.GPG_GATE_KEY = value;
    const e = env(extra);
    if (value === undefined) delete e.GPG_GATE_KEY;
    const r = await runShim({ args, cwd: work, env: e });
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.status.at(-1)).toBe('FAILURE sign 33554433');
  });
});

describe('what the backend does not do: a clear refusal, exit 2, never a different signature', () => {
  const fpr = () => testKeys().ed25519.fingerprint;
  it.each([
    [
      'key signatures',
      () => ['--batch', '--quick-sign-key', fpr()],
      /key signatures and key management are not supported/,
    ],
    ['sign and encrypt', () => ['--batch', '-r', fpr(), '-es', 'data.txt'], /signing combined with encryption/],
    [
      'sign and encrypt symmetrically',
      () => ['--batch', '--passphrase', 'x', '-cs', 'data.txt'],
      /signing combined with encryption/,
    ],
    [
      'notations',
      () => ['--batch', '--sig-notation', 'a@example.invalid=b', '-bs', 'data.txt'],
      /signature notations are not supported/,
    ],
    ['--no-literal', () => ['--batch', '--no-literal', '-s', 'data.txt'], /--no-literal is not supported/],
    ['compression choice', () => ['--batch', '-z', '0', '-s', 'data.txt'], /choosing the compression is not supported/],
  ])('%s', async (_name, args, message) => {
    const r = await runShim({ args: args(), cwd: work, env: env() });
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^gpg: signing failed: Not implemented$/m);
  });

  it('gpg.conf options count too: default-key without -u is refused, personal-digest-preferences is honoured', async () => {
    writeFileSync(join(shimHome.dir, 'gpg.conf'), `default-key ${fpr()}\n`);
    const refused = await runShim({ args: ['--batch', '-bs', '-o', '-', 'data.txt'], cwd: work, env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--default-key is not supported/);
    writeFileSync(join(shimHome.dir, 'gpg.conf'), 'personal-digest-preferences SHA384 SHA256\n');
    const honoured = await runShim({
      args: ['--batch', '-u', fpr(), '-bs', '-o', '-', 'data.txt'],
      cwd: work,
      env: env(),
    });
    expect(honoured.code, honoured.stderr).toBe(0);
    expect(honoured.status).toContainEqual(expect.stringMatching(/^SIG_CREATED D 22 9 00 /));
    expect(verifyDetached(honoured.stdout)).toBe(true);
  });
});

describe('precheck (for the shim to call before the gate)', () => {
  const precheck = () =>
    (
      createRequire(import.meta.url)(join(shimDir, 'gpg-gate-openpgp.cjs')) as {
        precheck: (job: Omit<SignJob, 'spoolPath' | 'stdinLine'>) => string | null;
      }
    ).precheck;
  const job = (argv: string[], extra: NodeJS.ProcessEnv = {}) => {
    const e = env(extra);
    const classification = classify(argv, { env: e });
    if (classification.kind !== 'sign') throw new Error(`not a signing call: ${argv.join(' ')}`);
    return { argv, classification, env: e };
  };
  it('null for a call it makes; the reason for one it refuses', () => {
    expect(precheck()(job(['-bsau', 'ed25519@example.invalid']))).toBeNull();
    expect(precheck()(job(['-es', '-r', 'x', 'f']))).toMatch(/signing combined with encryption/);
    expect(precheck()(job(['--sig-notation', 'a@b=c', '-bs']))).toMatch(/signature notations are not supported/);
    expect(precheck()(job(['-bs'], { GPG_GATE_KEY: '/nonexistent' }))).toMatch(/ENOENT|no such file/i);
  });
});

describe('lazy loading', () => {
  it('passthrough calls never load the openpgp bundle; a signing call with a broken one fails before the gate', async () => {
    // A copy of the shim whose openpgp bundle throws as soon as it is loaded.
    const dir = mkdtempSync(join(work, 'shim-copy-'));
    copyFileSync(join(shimDir, 'gpg'), join(dir, 'gpg'));
    copyFileSync(join(shimDir, 'package.json'), join(dir, 'package.json'));
    writeFileSync(join(dir, 'gpg-gate-openpgp.cjs'), "throw new Error('the openpgp bundle was loaded');\n");
    const e = env({ PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    const version = await runProgram(join(dir, 'gpg'), { args: ['--version'], cwd: work, env: e, statusFd: null });
    const real = spawnSync('gpg', ['--version'], { env: e, encoding: 'utf8' });
    expect(version.code).toBe(0);
    expect(version.stdout.toString()).toBe(real.stdout);
    const list = await runProgram(join(dir, 'gpg'), { args: ['--list-keys'], cwd: work, env: e });
    expect(list.code).toBe(0);

    const before = server.requests.length;
    const sign = await runProgram(join(dir, 'gpg'), {
      args: ['--batch', '-bsa', '-o', '-', 'data.txt'],
      cwd: work,
      env: e,
    });
    expect(sign.code).toBe(2);
    expect(sign.stdout.length).toBe(0);
    expect(server.requests.length).toBe(before);
  });
});

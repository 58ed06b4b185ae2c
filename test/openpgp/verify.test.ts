// Every kind of signature the openpgp backend makes verifies with the real tools: gpg --verify, gpgv with a keyring
// exported from the test home, and git verify-tag / verify-commit after git signed through the shim.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateServer, type GateServer } from '../helpers/gate-server.js';
import { cleanEnv, makeEmptyGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';
import { run } from '../helpers/run.js';
import { shimPath } from '../helpers/shim.js';
import { testKeys, type TestKeyName } from '../helpers/test-keys.js';
import { runGpg } from './support/gpg-runner.js';
import { keyFileText } from './support/keys.js';
import { openpgpEnv, runShim } from './support/shim-run.js';

// The verifying side holds public keys only: every signature below was made from GPG_GATE_KEY by openpgp.js.
let pubHome: GnupgHome;
let server: GateServer;
let work: string;
let keyFile: string;
let keyring: string;
const DATA = 'Format: 3.0 (quilt)\nSource: gpg-gate\n-dash\n\ttab \r\n';

beforeAll(async () => {
  pubHome = makeEmptyGnupgHome();
  const keys = testKeys();
  for (const k of ['ed25519', 'rsa3072', 'subkey'] as const) {
    execFileSync('gpg', ['--batch', '--import', keys[k].publicFile], { env: pubHome.env, stdio: 'ignore' });
    execFileSync('gpg', ['--batch', '--import-ownertrust'], { env: pubHome.env, input: `${keys[k].fingerprint}:6:\n` });
  }
  server = await startGateServer('proceed');
  work = mkdtempSync(join(tmpdir(), 'gpg-gate-verify-'));
  keyFile = join(work, 'keys.asc');
  writeFileSync(keyFile, keyFileText(['ed25519', 'rsa3072', 'subkey']));
  keyring = join(work, 'keyring.gpg');
  writeFileSync(keyring, execFileSync('gpg', ['--batch', '--export'], { env: pubHome.env }));
  writeFileSync(join(work, 'data.txt'), DATA);
});
afterAll(async () => {
  await server.close();
  pubHome.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const env = () => openpgpEnv(server.env(), keyFile, { GNUPGHOME: pubHome.dir });

const forms: [string, string[], boolean][] = [
  ['detached', ['-b'], true],
  ['detached, armored', ['-ba'], true],
  ['detached, text mode', ['-bt'], true],
  ['inline', ['-s'], false],
  ['inline, armored, text mode', ['-sat'], false],
  ['cleartext', ['--clearsign'], false],
];

describe.each(['ed25519', 'rsa3072', 'subkey'] as TestKeyName[])('%s key', (key) => {
  it.each(forms)('%s: gpg --verify and gpgv accept it', async (_name, flags, detached) => {
    const out = join(work, `${key}-${flags.join('')}.out`);
    const r = await runShim({
      args: ['--batch', '--yes', '-u', `${key}@example.invalid`, ...flags, '-o', out, 'data.txt'],
      cwd: work,
      env: env(),
    });
    expect(r.code, r.stderr).toBe(0);
    const files = detached ? [out, 'data.txt'] : [out];
    const gpg = runGpg(['--batch', '--verify', ...files], { env: pubHome.env, cwd: work });
    expect(gpg.code, gpg.stderr).toBe(0);
    expect(gpg.status).toContainEqual(expect.stringMatching(`^VALIDSIG ${testKeys()[key].signingFingerprint} `));
    const gpgv = runGpg(['--keyring', keyring, ...files], { env: pubHome.env, cwd: work, program: 'gpgv' });
    expect(gpgv.code, gpgv.stderr).toBe(0);
    expect(gpgv.status.some((l) => l.startsWith('GOODSIG '))).toBe(true);
  });
});

describe('git through the shim', () => {
  it('git tag -s / commit -S sign with the openpgp backend; verify-tag and verify-commit accept them', async (ctx) => {
    requireTool(ctx, 'git', 'signs tags and commits through the shim');
    const repo = mkdtempSync(join(work, 'repo-'));
    const home = mkdtempSync(join(work, 'home-'));
    const gitConfig = join(home, 'gitconfig');
    writeFileSync(
      gitConfig,
      [
        '[user]',
        '  name = gpg-gate test',
        '  email = subkey@example.invalid',
        '  signingkey = subkey@example.invalid',
        '[gpg]',
        `  program = ${shimPath}`,
        '[init]',
        '  defaultBranch = main',
        '',
      ].join('\n'),
    );
    const gitEnv = cleanEnv({
      ...env(),
      HOME: home,
      GIT_CONFIG_GLOBAL: gitConfig,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
    });
    const git = async (...args: string[]) => {
      const r = await run('git', args, { cwd: repo, env: gitEnv });
      expect(r.code, `git ${args.join(' ')}: ${r.stderr.toString()}`).toBe(0);
      return r.stdout.toString();
    };
    const before = server.requests.length;
    await git('init', '-q');
    writeFileSync(join(repo, 'README'), 'signed by gpg-gate\n');
    await git('add', 'README');
    await git('commit', '-q', '-S', '-m', 'signed commit');
    await git('tag', '-s', 'v1.0', '-m', 'signed tag');
    // The gate saw git's own argv: gpg --status-fd=2 -bsau KEY.
    const asked = server.requests.slice(before);
    expect(asked.map((r) => r.argv)).toEqual([
      ['--status-fd=2', '-bsau', 'subkey@example.invalid'],
      ['--status-fd=2', '-bsau', 'subkey@example.invalid'],
    ]);
    expect(asked.every((r) => r.backend === 'openpgp')).toBe(true);
    await git('verify-commit', 'HEAD');
    await git('verify-tag', 'v1.0');
    const shown = await git('log', '--show-signature', '-1');
    expect(shown).toMatch(/Good signature from "gpg-gate test signing subkey <subkey@example.invalid>"/);
  });
});

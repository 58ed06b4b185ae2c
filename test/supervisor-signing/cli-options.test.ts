// `gpg-gate run --sign-in-supervisor` options: a signer that cannot work is a usage error (64) before anything runs,
// and a job that signs in the supervisor tells its command GPG_GATE_BACKEND=supervisor and hands it no key file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { ROOT, readRecords, runGate, tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv, makeEmptyGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { testKeys } from '../helpers/test-keys.js';
import { supervisorSetup, type SupervisorSetup } from './support/supervisor-setup.js';

let t: TempDir;
let empty: GnupgHome;
let gnupg: SupervisorSetup;

beforeAll(() => {
  t = tempDir('gpg-gate-supervisor-cli-');
  empty = makeEmptyGnupgHome();
  gnupg = supervisorSetup('gnupg', 'ed25519');
  writeFileSync(t.path('wrong-passphrase'), 'not the passphrase\n');
});
afterAll(() => {
  gnupg.cleanup();
  empty.cleanup();
  t.cleanup();
});

describe('a signer that cannot work is a usage error, and nothing runs', () => {
  const protectedKey = () => resolve(ROOT, testKeys().passphrase.secretFile);
  const cases: [string, () => string[], RegExp][] = [
    ['--backend gnupg without --gnupghome', () => ['--sign-in-supervisor'], /--backend gnupg needs --gnupghome/],
    ['--backend without --sign-in-supervisor', () => ['--backend', 'openpgp'], /goes with --sign-in-supervisor/],
    [
      '--key with --backend gnupg',
      () => ['--sign-in-supervisor', '--backend', 'gnupg', '--gnupghome', empty.dir, '--key', 'k'],
      /--key goes with/,
    ],
    ['an unknown backend', () => ['--sign-in-supervisor', '--backend', 'sq'], /invalid/],
    [
      'a GNUPGHOME without a secret key',
      () => ['--sign-in-supervisor', '--gnupghome', empty.dir],
      /holds no secret key/,
    ],
    [
      'a missing key file',
      () => ['--sign-in-supervisor', '--backend', 'openpgp', '--key', t.path('nope')],
      /cannot read --key/,
    ],
    [
      'a protected key without --passphrase-file',
      () => ['--sign-in-supervisor', '--backend', 'openpgp', '--key', protectedKey()],
      /protected by a passphrase: give --passphrase-file/,
    ],
    [
      'a wrong passphrase',
      () => ['--sign-in-supervisor', '--key', protectedKey(), '--passphrase-file', t.path('wrong-passphrase')],
      /cannot unlock the key/,
    ],
  ];
  it.each(cases)('%s', async (_name, options, message) => {
    const journal = t.path(`${_name.replace(/\W+/g, '-')}.jsonl`);
    const r = await runGate(['run', ...options(), '--auto-commit', '--journal', journal, '--', 'touch', 'ran'], {
      cwd: t.dir,
      env: cleanEnv(),
    });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toMatch(message);
    expect(existsSync(t.path('ran'))).toBe(false);
    expect(existsSync(journal)).toBe(false);
  });
});

it('the command sees GPG_GATE_BACKEND=supervisor and no GPG_GATE_KEY; the journal records the signer', async () => {
  const journal = t.path('env.jsonl');
  const r = await runGate(
    [
      'run',
      ...gnupg.runArgs,
      '--auto-commit',
      '--quiet',
      '--journal',
      journal,
      '--',
      'sh',
      '-c',
      'echo "${GPG_GATE_BACKEND-unset} ${GPG_GATE_KEY-unset}" > seen',
    ],
    { cwd: t.dir, env: cleanEnv({ GPG_GATE_BACKEND: 'openpgp', GPG_GATE_KEY: '/some/key.asc' }) },
  );
  expect(r.code, r.stderr).toBe(0);
  expect(readFileSync(t.path('seen'), 'utf8')).toBe('supervisor unset\n');
  expect(readRecords(journal)[0]).toMatchObject({
    event: 'job-started',
    options: { signer: { backend: 'gnupg', gnupghome: gnupg.runArgs[4], key: null } },
  });
});

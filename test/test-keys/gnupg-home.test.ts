import { execFileSync, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { TEST_PASSPHRASE } from '../helpers/test-keys.js';

describe('throwaway keys in a temp GNUPGHOME', () => {
  const home: GnupgHome = makeGnupgHome();
  afterAll(() => home.cleanup());

  it('is a private directory holding every secret key', () => {
    expect(statSync(home.dir).mode & 0o777).toBe(0o700);
    const out = execFileSync('gpg', ['--batch', '--with-colons', '--list-secret-keys'], {
      env: home.env,
      encoding: 'utf8',
    });
    const fprs = out
      .split('\n')
      .filter((l) => l.startsWith('fpr:'))
      .map((l) => l.split(':')[9]);
    for (const k of Object.values(home.keys)) {
      expect(fprs).toContain(k.fingerprint);
      expect(k.userId).toMatch(/@example\.invalid>$/);
    }
  });

  it.each(['ed25519', 'rsa3072', 'subkey'] as const)('%s signs with the expected key', (name) => {
    const k = home.keys[name];
    const r = spawnSync('gpg', ['--batch', '--status-fd=2', '-bsau', k.fingerprint], {
      env: home.env,
      input: 'payload\n',
    });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
    expect(r.stderr.toString()).toMatch(
      new RegExp(`\\[GNUPG:\\] SIG_CREATED D ${k.algorithm} \\d+ 00 \\d+ ${k.signingFingerprint}\\n`),
    );
  });

  it('the signing-subkey key signs with its subkey, not the primary key', () => {
    expect(home.keys.subkey.signingFingerprint).not.toBe(home.keys.subkey.fingerprint);
  });

  it('the passphrase key signs only with its passphrase (loopback pinentry)', () => {
    const k = home.keys.passphrase;
    const base = ['--batch', '--pinentry-mode', 'loopback', '--status-fd=2', '-bsau', k.fingerprint];
    const wrong = spawnSync('gpg', [...base, '--passphrase', 'wrong'], { env: home.env, input: 'x' });
    expect(wrong.status).toBe(2);
    const right = spawnSync('gpg', [...base, '--passphrase', TEST_PASSPHRASE], { env: home.env, input: 'x' });
    expect(right.status).toBe(0);
  });
});

// Finding the real gpg: never a shim (recognised by its marker, whatever its name or place), never recursing.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/gnupg-home.js';
import { shimPath } from '../helpers/shim.js';

let dir: string;
let gnupghome: string;
const realVersion = () => spawnSync('gpg', ['--version'], { env: cleanEnv({ GNUPGHOME: gnupghome }) });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gpg-gate-real-'));
  gnupghome = mkdtempSync(join(tmpdir(), 'gpg-gate-home-'));
  for (const d of ['a', 'b', 'only']) {
    mkdirSync(join(dir, d));
    copyFileSync(shimPath, join(dir, d, 'gpg'));
    chmodSync(join(dir, d, 'gpg'), 0o755);
  }
  // A copy under another name is still recognised as a shim by its marker.
  copyFileSync(shimPath, join(dir, 'renamed-shim'));
  chmodSync(join(dir, 'renamed-shim'), 0o755);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(gnupghome, { recursive: true, force: true });
});

const env = (extra: Record<string, string>) => cleanEnv({ GNUPGHOME: gnupghome, ...extra });

describe('finding the real gpg', () => {
  it('two shims first on PATH: the call reaches the real gpg without recursing', () => {
    const r = spawnSync(join(dir, 'a', 'gpg'), ['--version'], {
      env: env({ PATH: `${dir}/a:${dir}/b:${process.env.PATH}` }),
      timeout: 20_000,
    });
    const real = realVersion();
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(real.stdout.toString());
  });

  it('no real gpg on PATH: exit 2 with a clear message', () => {
    // Started through node, so that PATH may hold nothing but shims.
    const r = spawnSync(process.execPath, [join(dir, 'only', 'gpg'), '--version'], {
      env: env({ PATH: `${dir}/only:${dir}/a` }),
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.toString()).toBe(
      'gpg: gpg-gate: no real gpg found on PATH (every gpg there is a gpg-gate shim); set GPG_GATE_REAL_GPG\n',
    );
  });

  it('GPG_GATE_REAL_GPG naming a shim (under any name) is refused', () => {
    const r = spawnSync(shimPath, ['--version'], {
      env: env({ PATH: process.env.PATH ?? '', GPG_GATE_REAL_GPG: join(dir, 'renamed-shim') }),
    });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toMatch(
      /^gpg: gpg-gate: GPG_GATE_REAL_GPG='.*renamed-shim' is a gpg-gate shim, not the real gpg\n$/,
    );
  });

  it('GPG_GATE_REAL_GPG must be an absolute path to an executable', () => {
    const rel = spawnSync(shimPath, ['--version'], {
      env: env({ PATH: process.env.PATH ?? '', GPG_GATE_REAL_GPG: 'gpg' }),
    });
    expect(rel.status).toBe(2);
    expect(rel.stderr.toString()).toMatch(/GPG_GATE_REAL_GPG must be an absolute path/);
    const missing = spawnSync(shimPath, ['--version'], {
      env: env({ PATH: process.env.PATH ?? '', GPG_GATE_REAL_GPG: join(dir, 'nope') }),
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr.toString()).toMatch(/is not an executable file/);
  });

  it('GPG_GATE_REAL_GPG is used as given', () => {
    // A stand-in "gpg" that proves it was the one called.
    const fake = join(dir, 'fake-gpg');
    writeFileSync(fake, '#!/bin/sh\necho "fake gpg: $*"\nexit 3\n');
    chmodSync(fake, 0o755);
    const r = spawnSync(shimPath, ['--list-keys', 'x y'], {
      env: env({ PATH: process.env.PATH ?? '', GPG_GATE_REAL_GPG: fake }),
    });
    expect(r.status).toBe(3);
    expect(r.stdout.toString()).toBe('fake gpg: --list-keys x y\n');
  });

  it('a gpg found through a "." or empty PATH element is run as ./gpg, not looked up on PATH again', () => {
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'gpg'), '#!/bin/sh\necho "gpg in cwd: $*"\n');
    chmodSync(join(cwd, 'gpg'), 0o755);
    // node is not on this PATH: a bare 'gpg' handed to spawn would reach the shim in `a`, whose #! line then fails
    // (127) instead of recursing.
    for (const path of [`${dir}/a:.`, `${dir}/a::${dir}/b`]) {
      const r = spawnSync(process.execPath, [shimPath, '--list-keys'], {
        cwd,
        env: env({ PATH: path }),
        timeout: 20_000,
      });
      expect(r.stderr.toString()).toBe('');
      expect(r.stdout.toString()).toBe('gpg in cwd: --list-keys\n');
      expect(r.status).toBe(0);
    }
  });
});

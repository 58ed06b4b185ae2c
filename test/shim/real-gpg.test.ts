// Finding the real gpg: never a shim (recognised by its marker, whatever its name or place), never recursing.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, readRecords, runGate } from '../helpers/gate-run.js';
import { cleanEnv, makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { shimDir, shimPath } from '../helpers/shim.js';

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

// Wrappers in front of and behind the shim, as dgit's test suite, ccache-style wrappers and distro alternatives put
// them. Each wrapper appends a line to its `calls` file, so that a recursion shows as more than one line.
describe('gpg wrappers around the shim', () => {
  let home: GnupgHome;
  let work: string;
  // dgit's tests/tstunt/gpg: takes a lock and runs "the first gpg on PATH once the stunt directory is removed".
  const STUNT = `#!/bin/sh
set -e
here=$(dirname "$0")
real=$(PATH=$(printf %s "$PATH" | tr : '\\n' | grep -vxF "$here" | paste -sd:) command -v gpg)
echo "$real" >> "$here/calls"
exec flock -w 30 "$here/lock" "$real" "$@"
`;
  // A ccache-style wrapper: the next gpg on PATH after its own directory.
  const NEXT = `#!/bin/sh
set -e
here=$(dirname "$0")
real=$(printf %s "$PATH" | tr : '\\n' | sed "0,\\|^$here\\$|d" | while read -r d; do [ -x "$d/gpg" ] && { echo "$d/gpg"; break; }; done)
echo "$real" >> "$here/calls"
exec "$real" "$@"
`;
  const wrapper = (name: string, script: string): string => {
    const d = join(work, name);
    mkdirSync(d);
    writeFileSync(join(d, 'gpg'), script, { mode: 0o755 });
    return d;
  };
  const calls = (d: string): string[] => {
    try {
      return readFileSync(join(d, 'calls'), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const systemPath = process.env.PATH ?? '/usr/bin:/bin';

  beforeAll(() => {
    home = makeGnupgHome(['ed25519']);
    work = mkdtempSync(join(tmpdir(), 'gpg-gate-wrappers-'));
    writeFileSync(join(work, 'data.txt'), 'signed through a wrapper\n');
  });
  afterAll(() => {
    home.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it("a lock-taking stunt in front of the shim (dgit's test suite): read-only and signing calls reach the real gpg", async () => {
    const stunt = wrapper('stunt', STUNT);
    const real = spawnSync('gpg', ['--version'], { env: home.env });
    const r = spawnSync('gpg', ['--version'], {
      env: { ...home.env, PATH: `${stunt}:${shimDir}:${systemPath}` },
      timeout: 60_000,
    });
    expect(r.stderr.toString()).toBe('');
    expect(r.stdout.toString()).toBe(real.stdout.toString());
    expect(r.status).toBe(0);
    expect(calls(stunt)).toEqual([shimPath]);

    const journal = join(work, 'stunt.jsonl');
    const key = home.keys.ed25519.fingerprint;
    const job = await runGate(
      [
        'run',
        '--auto-commit',
        '--quiet',
        '--journal',
        journal,
        '--',
        'sh',
        '-c',
        `PATH="${stunt}:$PATH"; exec gpg --batch -u ${key} --detach-sign --armor -o sig.asc data.txt`,
      ],
      { cwd: work, env: home.env },
    );
    expect(job.stderr).toBe('');
    expect(job.code).toBe(0);
    expect(calls(stunt)).toEqual([shimPath, shimPath]);
    const records = readRecords(journal);
    expect(events(records, 'signed')).toHaveLength(1);
    expect(events(records, 'commit-requested')).toHaveLength(1);
    const verify = spawnSync('gpg', ['--verify', 'sig.asc', 'data.txt'], { cwd: work, env: home.env });
    expect(verify.status).toBe(0);
  });

  it('a wrapper behind the shim that runs the first gpg outside its own directory loops back: exit 2 at once', () => {
    const loop = wrapper('loop', STUNT.replace(/exec flock -w 30 "\$here\/lock" /, 'exec '));
    const r = spawnSync('gpg', ['--list-keys'], {
      env: { ...home.env, PATH: `${shimDir}:${loop}:${systemPath}` },
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr.toString()).toBe(
      `gpg: gpg-gate: re-entered: the gpg a gpg-gate shim ran ('${loop}/gpg') ran a gpg-gate shim again (a gpg wrapper that loops back to the shim); set GPG_GATE_REAL_GPG to the real gpg\n`,
    );
    // Once through the wrapper, then the second shim stopped it: no recursion.
    expect(calls(loop)).toEqual([shimPath]);
  });

  it('a well-behaved wrapper behind the shim (the next gpg after itself) is run, and reaches the real gpg', () => {
    const next = wrapper('next', NEXT);
    const r = spawnSync('gpg', ['--list-keys', '--with-colons'], {
      env: { ...home.env, PATH: `${shimDir}:${next}:${systemPath}` },
      timeout: 60_000,
    });
    const direct = spawnSync('gpg', ['--list-keys', '--with-colons'], { env: home.env });
    expect(r.stderr.toString()).toBe(direct.stderr.toString());
    expect(r.stdout.toString()).toBe(direct.stdout.toString());
    expect(r.status).toBe(0);
    expect(calls(next)).toHaveLength(1);
    expect(calls(next)[0]).not.toBe(shimPath);
  });

  it('the shim run by a path that is not on PATH takes the first gpg there that is not a shim', () => {
    const front = wrapper('front', NEXT);
    const r = spawnSync(shimPath, ['--version'], {
      env: { ...home.env, PATH: `${front}:${systemPath}` },
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(spawnSync('gpg', ['--version'], { env: home.env }).stdout.toString());
    expect(calls(front)).toHaveLength(1);
  });

  it('the mark in the environment stops a shim whatever PATH says', () => {
    const r = spawnSync(shimPath, ['--version'], {
      env: { ...home.env, PATH: systemPath, GPG_GATE_SHIM_DELEGATED_TO: '/some/wrapper' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toMatch(
      /^gpg: gpg-gate: re-entered: the gpg a gpg-gate shim ran \('\/some\/wrapper'\)/,
    );
  });
});

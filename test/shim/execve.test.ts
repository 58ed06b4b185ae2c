// On Node ≥ 22.15 the shim becomes the real gpg for a read-only call (process.execve): same pid, gpg's own exit
// status, the caller's descriptors and signal state. GPG_GATE_TEST_NODE22 names the bin directory of such a Node
// (.ci/run installs one from the npm registry); outside CI its absence skips with the reason, under CI it fails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { shimPath } from '../helpers/shim.js';

const node22 = process.env.GPG_GATE_TEST_NODE22;
let home: GnupgHome;
let dir: string;

function need(ctx: { skip: (note?: string) => never }): string {
  if (node22 && existsSync(join(node22, 'node'))) return node22;
  if (process.env.CI === 'true')
    throw new Error('GPG_GATE_TEST_NODE22 must name a Node ≥ 22.15 bin directory under CI');
  return ctx.skip('GPG_GATE_TEST_NODE22 is not set (a Node ≥ 22.15 bin directory)');
}

beforeAll(() => {
  home = makeGnupgHome(['ed25519']);
  dir = mkdtempSync(join(tmpdir(), 'gpg-gate-execve-'));
  // A stand-in gpg that reports who started it and what it inherited.
  writeFileSync(
    join(dir, 'gpg'),
    '#!/bin/sh\necho "pid=$$ ppid=$PPID mark=$GPG_GATE_SHIM_DELEGATED_TO"\nexec grep -E "^Sig(Blk|Ign)" /proc/self/status\n',
    { mode: 0o755 },
  );
});
afterAll(() => {
  home.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('the shim on Node ≥ 22.15', () => {
  it('runs on the Node it is given', (ctx) => {
    const bin = need(ctx);
    const r = spawnSync(join(bin, 'node'), ['-p', 'typeof process.execve + " " + process.version']);
    expect(r.stdout.toString()).toMatch(/^function v2[2-9]\./);
  });

  it('becomes the real gpg: the same process as the shim, with the re-entry mark set', (ctx) => {
    const bin = need(ctx);
    const r = spawnSync('sh', ['-c', `echo caller=$$; exec ${shimPath} --version`], {
      env: { ...home.env, PATH: `${bin}:${process.env.PATH}`, GPG_GATE_REAL_GPG: join(dir, 'gpg') },
    });
    const out = r.stdout.toString();
    const caller = /caller=(\d+)/.exec(out)?.[1];
    // `exec` made the shell the shim; execve made the shim gpg: one pid throughout.
    expect(out).toMatch(new RegExp(`^pid=${caller} ppid=\\d+ mark=${join(dir, 'gpg')}$`, 'm'));
  });

  it('is byte-identical to gpg, exit status included', (ctx) => {
    const bin = need(ctx);
    for (const args of [['--version'], ['--list-keys', '--with-colons'], ['--list-keys', 'nobody@example.invalid']]) {
      const ours = spawnSync(shimPath, args, { env: { ...home.env, PATH: `${bin}:${process.env.PATH}` } });
      const theirs = spawnSync('gpg', args, { env: home.env });
      expect(ours.stdout.toString(), args.join(' ')).toBe(theirs.stdout.toString());
      expect(ours.stderr.toString(), args.join(' ')).toBe(theirs.stderr.toString());
      expect(ours.status, args.join(' ')).toBe(theirs.status);
    }
  });

  it("keeps the caller's blocked signals (through env) and, with GPG_GATE_LOG, spawns so that it can log", (ctx) => {
    const bin = need(ctx);
    const log = join(dir, 'log.jsonl');
    const perl = `use POSIX; sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGTERM)) or die; exec '${shimPath}', '--version'`;
    const env = { ...home.env, PATH: `${bin}:${process.env.PATH}`, GPG_GATE_REAL_GPG: join(dir, 'gpg') };
    const blocked = spawnSync('perl', ['-e', perl], { env });
    expect(blocked.stdout.toString()).toContain('SigBlk:\t0000000000004000\n');
    const logged = spawnSync('sh', ['-c', `echo caller=$$; exec ${shimPath} --version`], {
      env: { ...env, GPG_GATE_LOG: log },
    });
    const caller = /caller=(\d+)/.exec(logged.stdout.toString())?.[1];
    // Spawned: gpg is the shim's child.
    expect(logged.stdout.toString()).toMatch(new RegExp(`^pid=(?!${caller} )\\d+ ppid=${caller} `, 'm'));
    expect(JSON.parse(readFileSync(log, 'utf8').trim())).toMatchObject({ decision: 'passthrough', exit: 0 });
  });
});

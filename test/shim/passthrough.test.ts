// Read-only calls through the shim are byte-identical to the real gpg: stdout, stderr, status descriptors, exit code.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { shimPath, shimPathEnv } from '../helpers/shim.js';

interface Case {
  name: string;
  args: string[];
  input?: string;
  /** Descriptors above 2 captured as pipes (status, logger). */
  fds?: number[];
  exit?: number;
}

let home: GnupgHome;
let work: string;

/** Runs the real gpg (`shim: false`, found on the unchanged PATH) or the shim (first on PATH). */
function run(shim: boolean, c: Case): SpawnSyncReturns<Buffer> {
  const max = Math.max(2, ...(c.fds ?? []));
  const stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe'];
  for (let fd = 3; fd <= max; fd++) stdio.push(c.fds?.includes(fd) ? 'pipe' : 'ignore');
  return spawnSync(shim ? shimPath : 'gpg', c.args, {
    cwd: work,
    env: shim ? { ...home.env, PATH: shimPathEnv() } : home.env,
    input: c.input ?? '',
    stdio,
    timeout: 30_000,
  });
}

beforeAll(() => {
  home = makeGnupgHome(['ed25519', 'rsa3072']);
  work = mkdtempSync(join(tmpdir(), 'gpg-gate-pass-'));
  const fpr = home.keys.ed25519.fingerprint;
  writeFileSync(join(work, 'data.txt'), 'the payload\n');
  writeFileSync(join(work, 'tampered.txt'), 'the payload, tampered\n');
  const sign = (args: string[], input = '') => {
    const r = spawnSync('gpg', ['--batch', '-u', fpr, ...args], { cwd: work, env: home.env, input });
    expect(r.status, r.stderr.toString()).toBe(0);
  };
  sign(['--detach-sign', '--armor', '-o', 'data.txt.asc', 'data.txt']);
  sign(['--clearsign', '-o', 'clear.asc', 'data.txt']);
  sign(['--sign', '-o', 'inline.gpg', 'data.txt']);
  sign(['--detach-sign', '-o', 'git.sig'], 'tag object payload\n');
});

afterAll(() => {
  home.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const fpr = () => home.keys.ed25519.fingerprint;

const cases: (() => Case)[] = [
  () => ({ name: 'version (debsign parses line 1)', args: ['--version'] }),
  () => ({ name: 'list keys', args: ['--list-keys'] }),
  () => ({ name: 'list keys with colons', args: ['--with-colons', '--list-keys'] }),
  () => ({ name: 'list secret keys with colons (tag2upload health check)', args: ['--list-secret', '--with-colons'] }),
  () => ({ name: '-K with fingerprints', args: ['-K', '--with-fingerprint'] }),
  () => ({ name: 'list signatures', args: ['--list-sigs', fpr()] }),
  () => ({ name: 'check signatures', args: ['--check-sigs'] }),
  () => ({ name: 'fingerprint by email', args: ['--fingerprint', 'rsa3072@example.invalid'] }),
  () => ({ name: 'list a missing key (exit 2)', args: ['--list-keys', 'nobody@example.invalid'], exit: 2 }),
  () => ({ name: 'verify a good detached signature (exit 0)', args: ['--verify', 'data.txt.asc', 'data.txt'] }),
  () => ({ name: 'verify a bad signature (exit 1)', args: ['--verify', 'data.txt.asc', 'tampered.txt'], exit: 1 }),
  () => ({
    name: "git's verify form, payload on stdin",
    args: ['--keyid-format=long', '--status-fd=1', '--verify', 'git.sig', '-'],
    input: 'tag object payload\n',
  }),
  () => ({
    name: "git's verify form, bad payload (exit 1)",
    args: ['--keyid-format=long', '--status-fd=1', '--verify', 'git.sig', '-'],
    input: 'another payload\n',
    exit: 1,
  }),
  () => ({ name: 'verify a clearsigned file', args: ['--verify', 'clear.asc'] }),
  () => ({ name: 'decrypt (unwrap) an inline-signed file', args: ['--decrypt', 'inline.gpg'] }),
  () => ({ name: 'print-md SHA256 of a file', args: ['--print-md', 'SHA256', 'data.txt'] }),
  () => ({ name: 'print-md of stdin', args: ['--print-md', 'sha1'], input: 'abc' }),
  () => ({ name: 'export armored', args: ['--export', '--armor', fpr()] }),
  () => ({ name: 'export binary', args: ['--export', 'rsa3072@example.invalid'] }),
  () => ({ name: 'list packets', args: ['--list-packets', 'data.txt.asc'] }),
  () => ({ name: 'enarmor stdin', args: ['--enarmor'], input: 'binary-ish\u0000data' }),
  () => ({ name: 'list config with colons', args: ['--with-colons', '--list-config'] }),
  () => ({ name: 'dump options', args: ['--dump-options'] }),
  () => ({ name: 'unknown key id verify (no pubkey, exit 2)', args: ['--verify', 'nonexistent.asc'], exit: 2 }),
  ...[3, 4, 5, 6, 7, 8, 9].map((fd) => () => ({
    name: `status on fd ${fd}`,
    args: [`--status-fd=${fd}`, '--verify', 'data.txt.asc', 'data.txt'],
    fds: [fd],
  })),
  () => ({
    name: 'status fd 5 with a bad signature',
    args: ['--status-fd', '5', '--verify', 'data.txt.asc', 'tampered.txt'],
    fds: [5],
    exit: 1,
  }),
  () => ({
    name: 'logger fd 4 and status fd 3',
    args: ['--logger-fd', '4', '--status-fd', '3', '--verify', 'clear.asc'],
    fds: [3, 4],
  }),
];

describe('passthrough is byte-identical to the real gpg', () => {
  it('covers at least 20 read-only invocations', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases.map((c, i) => [i, c] as const))('#%i', (_i, makeCase) => {
    const c = makeCase();
    const real = run(false, c);
    const shim = run(true, c);
    expect(real.status, `${c.name}: real gpg stderr: ${real.stderr.toString()}`).toBe(c.exit ?? 0);
    expect(shim.signal).toBe(real.signal);
    expect(shim.status).toBe(real.status);
    expect(shim.stdout.toString('latin1')).toBe(real.stdout.toString('latin1'));
    expect(shim.stderr.toString('latin1')).toBe(real.stderr.toString('latin1'));
    for (const fd of c.fds ?? []) {
      const realFd = real.output[fd] as Buffer | null;
      expect(realFd?.length, `${c.name}: gpg wrote nothing to fd ${fd}`).toBeGreaterThan(0);
      expect((shim.output[fd] as Buffer | null)?.toString('latin1')).toBe(realFd?.toString('latin1'));
    }
  });
});

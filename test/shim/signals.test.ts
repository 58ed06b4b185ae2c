// Signals: the shim forwards SIGTERM to a running gpg and ends the way gpg ended; while it waits on the supervisor it
// cleans up and dies of the signal, and nothing is signed.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateServer, type GateServer } from '../helpers/gate-server.js';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { start } from '../helpers/run.js';
import { shimPath, shimPathEnv } from '../helpers/shim.js';

let home: GnupgHome;
let spoolTmp: string;
let server: GateServer | undefined;

beforeAll(() => {
  home = makeGnupgHome(['ed25519', 'passphrase']);
  spoolTmp = mkdtempSync(join(tmpdir(), 'gpg-gate-spooltmp-'));
});
afterAll(() => {
  home.cleanup();
  rmSync(spoolTmp, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Pids of the live children of `pid`. */
function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') kids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return kids;
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * The gpg a passthrough shim runs: its child (Node 20 spawns it), or the shim's own process once it has become gpg
 * (Node ≥ 22.15 execs it; its command name is then gpg's).
 */
function gpgOf(shimPid: number): number | undefined {
  const kid = childrenOf(shimPid)[0];
  if (kid !== undefined) return kid;
  try {
    return readFileSync(`/proc/${shimPid}/comm`, 'utf8').trim() === 'gpg' ? shimPid : undefined;
  } catch {
    return undefined;
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const env = (extra: Record<string, string> = {}) => ({
  ...home.env,
  PATH: shimPathEnv(),
  TMPDIR: spoolTmp,
  ...(server?.env() ?? {}),
  ...extra,
});

describe('signals', () => {
  it('passthrough: SIGTERM is forwarded to gpg, and the shim dies of SIGTERM as gpg did', async () => {
    // gpg --print-md blocks reading the stdin we keep open.
    const running = start(shimPath, ['--print-md', 'sha256'], { env: env(), keepStdinOpen: true });
    const shimPid = running.child.pid!;
    const gpgPid = await waitFor('gpg to start', () => gpgOf(shimPid));
    running.child.kill('SIGTERM');
    const r = await running.done;
    expect(r.signal).toBe('SIGTERM');
    await waitFor('gpg to end', () => !isAlive(gpgPid));
  });

  it('passthrough: when gpg is killed by a signal, the shim ends by the same signal', async () => {
    const running = start(shimPath, ['--print-md', 'sha256'], { env: env(), keepStdinOpen: true });
    const shimPid = running.child.pid!;
    const gpgPid = await waitFor('gpg to start', () => gpgOf(shimPid));
    process.kill(gpgPid, 'SIGKILL');
    const r = await running.done;
    expect(r.signal).toBe('SIGKILL');
  });

  it('while waiting on the supervisor: SIGTERM ends the shim, no signature, no spool left behind', async () => {
    server = await startGateServer('silent');
    const running = start(shimPath, ['-bsau', home.keys.ed25519.fingerprint], { env: env(), input: 'payload' });
    await server.waitForRequests(1);
    expect(readdirSync(spoolTmp).length).toBe(1);
    running.child.kill('SIGTERM');
    const r = await running.done;
    expect(r.signal).toBe('SIGTERM');
    expect(r.stdout.length).toBe(0);
    expect(childrenOf(running.child.pid!)).toEqual([]);
    expect(readdirSync(spoolTmp)).toEqual([]);
  });

  it('while gpg signs under the gate: SIGTERM is forwarded, the shim dies of it, nothing is written', async () => {
    server = await startGateServer('proceed');
    // gpg blocks reading the passphrase from fd 4, which the test keeps open and never writes.
    const args = [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase-fd',
      '4',
      '-bsau',
      home.keys.passphrase.fingerprint,
    ];
    const running = start(shimPath, args, { env: env(), input: 'payload', fds: { 4: 'keep-open' } });
    const shimPid = running.child.pid!;
    const gpgPid = await waitFor('gpg to start', () => gpgOf(shimPid));
    running.child.kill('SIGTERM');
    const r = await running.done;
    expect(r.signal).toBe('SIGTERM');
    expect(r.stdout.length).toBe(0);
    await waitFor('gpg to end', () => !isAlive(gpgPid));
    expect(readdirSync(spoolTmp)).toEqual([]);
  });
});

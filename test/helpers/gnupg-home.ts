// A fresh 0700 GNUPGHOME holding the throwaway keys, with loopback pinentry allowed; its agent is killed on cleanup.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scratchDir } from './scratch.js';
import { TEST_PASSPHRASE, testKeys, type TestKeyInfo, type TestKeyName } from './test-keys.js';

export interface GnupgHome {
  dir: string;
  /** Environment for running gpg against this home (GNUPGHOME set, no tty or agent from the caller). */
  env: NodeJS.ProcessEnv;
  keys: Record<TestKeyName, TestKeyInfo>;
  cleanup(): void;
}

const ALL_KEYS: TestKeyName[] = ['ed25519', 'rsa3072', 'subkey', 'passphrase'];

/** The environment of the test process minus anything that points gpg at the user's own home or agent. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('GPG_GATE_') || k === 'GNUPGHOME' || k === 'GPG_AGENT_INFO' || k === 'GPG_TTY') continue;
    env[k] = v;
  }
  return { ...env, LC_ALL: 'C', LANGUAGE: '', ...extra };
}

function gpg(home: string, args: string[], input?: string): void {
  execFileSync('gpg', ['--homedir', home, '--batch', '--no-tty', ...args], {
    env: cleanEnv(),
    input: input ?? '',
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

export function killAgent(dir: string): void {
  try {
    execFileSync('gpgconf', ['--homedir', dir, '--kill', 'all'], { stdio: 'ignore', env: cleanEnv() });
  } catch {
    // No agent was running.
  }
}

function makeDir(prefix = 'gpg-gate-home-', parent = tmpdir()): string {
  return mkdtempSync(join(parent, prefix)); // mkdtemp creates it 0700
}

const templates = new Map<string, string>();

// Importing is slow (the agent must re-protect each secret key), so each process builds one template per key set and
// copies it.
function template(names: TestKeyName[]): string {
  const id = [...names].sort().join(',');
  let dir = templates.get(id);
  if (dir) return dir;
  // In the suite's scratch directory: a worker that is killed never runs its exit handler.
  dir = makeDir('gpg-gate-template-', scratchDir());
  writeFileSync(join(dir, 'gpg-agent.conf'), 'allow-loopback-pinentry\n');
  const keys = testKeys();
  for (const name of names) {
    const k = keys[name];
    const pass = k.passphrase ? ['--pinentry-mode', 'loopback', '--passphrase', TEST_PASSPHRASE] : [];
    gpg(dir, [...pass, '--import', k.secretFile]);
    gpg(dir, ['--import-ownertrust'], `${k.fingerprint}:6:\n`);
  }
  gpg(dir, ['--check-trustdb']);
  killAgent(dir);
  templates.set(id, dir);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Builds a fresh GNUPGHOME holding the given throwaway keys (all of them by default). */
export function makeGnupgHome(names: TestKeyName[] = ALL_KEYS): GnupgHome {
  const dir = makeDir();
  const src = template(names);
  cpSync(src, dir, { recursive: true, filter: (p) => !/S\.gpg-agent|\.lock$|\.#lk/.test(p) });
  return {
    dir,
    env: cleanEnv({ GNUPGHOME: dir }),
    keys: testKeys(),
    cleanup() {
      killAgent(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An empty 0700 GNUPGHOME (no keys at all), e.g. for a build environment that must not hold a key. */
export function makeEmptyGnupgHome(): GnupgHome {
  const dir = makeDir();
  return {
    dir,
    env: cleanEnv({ GNUPGHOME: dir }),
    keys: testKeys(),
    cleanup() {
      killAgent(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The bench's throwaway world: a temp directory with a fresh ed25519 key (made by openpgp.js, as test-keys/ does), a
// GNUPGHOME holding it, and the paths of the built programs. Everything goes away in cleanup(), gpg-agent included.
import { execFileSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';

export interface Workspace {
  dir: string;
  home: string;
  /** The armored secret key (for the openpgp signer). */
  keyFile: string;
  fingerprint: string;
  /** The environment every measured command gets: GNUPGHOME set, nothing of the caller's gpg or gate. */
  env: NodeJS.ProcessEnv;
  realGpg: string;
  /** dist/: the shim (dist/shim/gpg), the CLI (dist/gpg-gate.js) and this bench (dist/bench.js). */
  dist: string;
  shimDir: string;
  shim: string;
  cli: string;
  self: string;
  path(...parts: string[]): string;
  cleanup(): void;
}

const SHIM_MARKER = 'gpg-gate-shim-marker';

function isShim(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(512);
      return buf.subarray(0, readSync(fd, buf, 0, 512, 0)).includes(SHIM_MARKER);
    } finally {
      closeSync(fd);
    }
  } catch {
    return true; // not readable: not a gpg we can use either
  }
}

/** The first gpg on PATH that is not a gpg-gate shim (what the shim itself would run). */
export function findRealGpg(path = process.env.PATH ?? ''): string {
  for (const d of path.split(delimiter)) {
    const candidate = join(d || '.', 'gpg');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    if (!isShim(candidate)) return candidate;
  }
  throw new Error('no real gpg on PATH');
}

/** The caller's environment minus anything that points gpg at the user's own home or agent, or at a gate. */
function cleanEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('GPG_GATE_') || k === 'GNUPGHOME' || k === 'GPG_AGENT_INFO' || k === 'GPG_TTY') continue;
    env[k] = v;
  }
  return { ...env, GNUPGHOME: home, LC_ALL: 'C', LANGUAGE: '' };
}

export async function makeWorkspace(): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-bench-'));
  const home = join(dir, 'gnupg');
  const dist = dirname(fileURLToPath(import.meta.url));
  const env = cleanEnv(home);
  const cleanup = () => {
    try {
      execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore', env });
    } catch {
      // No agent was started.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    mkdirSync(home, { mode: 0o700 });
    // A day in the past, like test-keys/: gpg refuses keys "created in the future" by a skewed clock.
    const date = new Date(Math.floor(Date.now() / 1000) * 1000 - 86_400_000);
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'gpg-gate bench (throwaway)', email: 'bench@example.invalid' }],
      date,
      format: 'armored',
    });
    const key = await openpgp.readPrivateKey({ armoredKey: privateKey });
    const fingerprint = key.getFingerprint().toUpperCase();
    const keyFile = join(dir, 'key.sec.asc');
    writeFileSync(keyFile, privateKey, { mode: 0o600 });
    const realGpg = findRealGpg();
    const gpg = (args: string[], input = '') =>
      execFileSync(realGpg, ['--batch', '--no-tty', ...args], { env, input, stdio: ['pipe', 'ignore', 'pipe'] });
    gpg(['--import', keyFile]);
    gpg(['--import-ownertrust'], `${fingerprint}:6:\n`);
    gpg(['--check-trustdb']);
    const shimDir = join(dist, 'shim');
    return {
      dir,
      home,
      keyFile,
      fingerprint,
      env,
      realGpg,
      dist,
      shimDir,
      shim: join(shimDir, 'gpg'),
      cli: join(dist, 'gpg-gate.js'),
      self: join(dist, 'bench.js'),
      path: (...parts) => join(dir, ...parts),
      cleanup,
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

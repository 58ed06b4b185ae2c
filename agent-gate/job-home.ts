// The job's GNUPGHOME under the agent gate: the key holder's public keyring, trustdb and gpg.conf, no secret key, and
// at the path gpg uses for its agent socket a libassuan redirect file (`%Assuan%` / `socket=PATH`) naming the proxy.
// The unmodified gpg then does everything itself and reaches an agent only through the proxy.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * What gpg and gpgsm read from a home besides secret keys: keyrings (certificates too), trust, their options. Copied
 * as bytes, so they see the same. trustlist.txt stays: the key holder's agent answers ISTRUSTED from its own.
 */
const COPIED = ['pubring.kbx', 'pubring.gpg', 'trustdb.gpg', 'gpg.conf', 'gpgsm.conf'];

export class JobHomeError extends Error {}

export interface KeyAgent {
  /** The key holder's GNUPGHOME, absolute. */
  keyHome: string;
  /** Its agent's extra socket: the one GnuPG restricts for forwarding. */
  socket: string;
}

function gpgconf(home: string, ...args: string[]): string {
  try {
    return execFileSync('gpgconf', ['--homedir', home, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new JobHomeError(`gpgconf --homedir ${home} ${args.join(' ')}: ${stderr || (err as Error).message}`);
  }
}

/** Starts the key holder's agent if it is not running and finds its extra socket. */
export function keyAgent(keyHomeGiven: string): KeyAgent {
  const keyHome = resolve(keyHomeGiven);
  if (!existsSync(keyHome) || !statSync(keyHome).isDirectory()) {
    throw new JobHomeError(`the key home ${keyHome} is not a directory`);
  }
  gpgconf(keyHome, '--launch', 'gpg-agent');
  const socket = gpgconf(keyHome, '--list-dirs', 'agent-extra-socket');
  let isSocket = false;
  try {
    isSocket = lstatSync(socket).isSocket();
  } catch {
    // Reported below.
  }
  if (!isSocket) {
    throw new JobHomeError(`the agent of ${keyHome} has no extra socket at ${socket} (is extra-socket disabled?)`);
  }
  return { keyHome, socket };
}

export interface JobHome {
  /** The GNUPGHOME the command gets. */
  home: string;
  /** The redirect file gpg finds at its agent socket path. */
  redirect: string;
  remove(): void;
}

/**
 * Makes `home` (inside the supervisor's own 0700 directory) from the key holder's public files and points its agent
 * socket at `proxySocket`. `no-autostart` keeps gpg from starting an agent of its own there once the proxy is gone.
 */
export function makeJobHome(keyHome: string, home: string, proxySocket: string): JobHome {
  mkdirSync(home, { mode: 0o700 });
  for (const name of COPIED) {
    const from = join(keyHome, name);
    if (existsSync(from)) copyFileSync(from, join(home, name));
  }
  writeFileSync(join(home, 'gpg.conf'), "\n# gpg-gate: the agent gate is this home's only agent\nno-autostart\n", {
    flag: 'a',
    mode: 0o600,
  });
  const redirect = gpgconf(home, '--list-dirs', 'agent-socket');
  // With /run/user/UID present, a non-default home's sockets live in a directory gpgconf makes for it. The home gets
  // a redirect of its own too: a sandbox without /run/user looks there.
  const ownSocketDir = dirname(redirect) !== home;
  if (ownSocketDir) gpgconf(home, '--create-socketdir');
  const text = `%Assuan%\nsocket=${proxySocket}\n`;
  writeFileSync(redirect, text, { mode: 0o600 });
  if (ownSocketDir) writeFileSync(join(home, 'S.gpg-agent'), text, { mode: 0o600 });
  return {
    home,
    redirect,
    remove() {
      rmSync(redirect, { force: true });
      if (ownSocketDir) {
        try {
          gpgconf(home, '--remove-socketdir');
        } catch {
          // Left for the next login's cleanup; it holds nothing once the redirect is gone.
        }
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

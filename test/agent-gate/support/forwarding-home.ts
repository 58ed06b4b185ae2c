// Plain GnuPG agent forwarding, no gpg-gate: a GNUPGHOME with the key holder's public files whose agent socket is a
// libassuan redirect straight to the key holder's extra socket (what forwarding S.gpg-agent.extra over ssh gives).
// The reference for what GnuPG's restricted agent itself forbids.
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cleanEnv } from '../../helpers/gnupg-home.js';

export interface ForwardingHome {
  dir: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

const gpgconf = (home: string, ...args: string[]) =>
  execFileSync('gpgconf', ['--homedir', home, ...args], { encoding: 'utf8', env: cleanEnv() }).trim();

export function makeForwardingHome(keyHome: string): ForwardingHome {
  gpgconf(keyHome, '--launch', 'gpg-agent');
  const extra = gpgconf(keyHome, '--list-dirs', 'agent-extra-socket');
  const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-forward-'));
  for (const name of ['pubring.kbx', 'trustdb.gpg', 'gpg.conf']) {
    if (existsSync(join(keyHome, name))) copyFileSync(join(keyHome, name), join(dir, name));
  }
  // As in the gate's job home: gpg must not start an agent of its own here.
  appendFileSync(join(dir, 'gpg.conf'), 'no-autostart\n');
  const redirect = gpgconf(dir, '--list-dirs', 'agent-socket');
  const ownSocketDir = dirname(redirect) !== dir;
  if (ownSocketDir) gpgconf(dir, '--create-socketdir');
  writeFileSync(redirect, `%Assuan%\nsocket=${extra}\n`, { mode: 0o600 });
  return {
    dir,
    env: cleanEnv({ GNUPGHOME: dir }),
    cleanup() {
      rmSync(redirect, { force: true });
      if (ownSocketDir) gpgconf(dir, '--remove-socketdir');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

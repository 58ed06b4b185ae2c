// A "remote build host" reached over a real sshd on 127.0.0.1: a private directory standing for the remote side, the
// shim installed there with `gpg-gate install-shim`, and the ssh command that forwards the remote socket back to the
// supervisor's (`ssh -R REMOTE.sock:LOCAL.sock`) and runs a script there with the shim first on PATH.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from './gate-run.js';
import { startSshd, type Sshd } from './sshd.js';

/** The variables the remote sshd accepts (`AcceptEnv`) and the client sends (`SendEnv`): the token never is an argv. */
export const GATE_ENV = ['GPG_GATE_TOKEN', 'GPG_GATE_JOB', 'GPG_GATE_BACKEND'];

export interface RemoteScript {
  /** Shell text run on the remote side, in its directory, with the shim first on PATH and GPG_GATE_SOCKET set. */
  script: string;
  /** GNUPGHOME on the remote side. */
  gnupghome: string;
  /**
   * How the job's token reaches the remote side: `send-env` (ssh SendEnv, sshd AcceptEnv), or `stdin` (the first line
   * of ssh's stdin, written by the shell builtin printf and read by the remote shell's `read`).
   */
  token: 'send-env' | 'stdin';
  /** GPG_GATE_BACKEND on the remote side when the token comes on stdin (SendEnv carries it otherwise). */
  backend?: string;
}

export interface RemoteHost {
  sshd: Sshd;
  /** The remote side's private (0700) directory. */
  dir: string;
  /** Where `ssh -R` creates the forwarded socket on the remote side. */
  socket: string;
  /** COMMAND for `gpg-gate run --socket LOCAL_SOCKET … -- COMMAND`. */
  command(localSocket: string, remote: RemoteScript): string[];
  stop(): Promise<void>;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function startRemoteHost(dir: string): Promise<RemoteHost> {
  const sshd = await startSshd(join(dir, 'sshd'), { acceptEnv: GATE_ENV });
  const remote = join(dir, 'remote');
  mkdirSync(remote, { mode: 0o700 });
  const bin = join(remote, 'bin');
  execFileSync(process.execPath, [CLI, 'install-shim', bin], { stdio: 'ignore' });
  const socket = join(remote, 'gate.sock');
  return {
    sshd,
    dir: remote,
    socket,
    command(localSocket, r) {
      const setup = [
        `cd ${quote(remote)}`,
        `export PATH=${quote(bin)}:"$PATH" GPG_GATE_SOCKET=${quote(socket)} GNUPGHOME=${quote(r.gnupghome)}`,
      ];
      if (r.token === 'stdin') {
        setup.unshift('IFS= read -r GPG_GATE_TOKEN || exit 2', 'export GPG_GATE_TOKEN');
        if (r.backend) setup.push(`export GPG_GATE_BACKEND=${quote(r.backend)}`);
      }
      const ssh = [
        'ssh',
        ...sshd.sshArgs(
          '-T',
          '-o',
          'ExitOnForwardFailure=yes',
          ...(r.token === 'send-env' ? ['-o', `SendEnv=${GATE_ENV.join(' ')}`] : []),
          '-R',
          `${socket}:${localSocket}`,
        ),
        sshd.destination,
        [...setup, r.script].join('\n'),
      ];
      if (r.token === 'send-env') return ssh;
      // printf is the shell's builtin: the token goes from sh's environment into the pipe, never into an argv.
      return ['sh', '-c', `printf '%s\\n' "$GPG_GATE_TOKEN" | exec "$@"`, 'sh', ...ssh];
    },
    stop: () => sshd.stop(),
  };
}

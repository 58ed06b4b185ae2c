// A throwaway OpenSSH server on 127.0.0.1: host key, user key, authorized_keys, config and pid file in one temp
// directory, a free port, Unix-socket forwarding allowed. Tests reach it with `sshArgs()` and stop it in afterAll, so
// no sshd outlives a failed test.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

export interface SshdOptions {
  /** Environment variables the server accepts from the client's SendEnv. */
  acceptEnv?: string[];
}

export interface Sshd {
  port: number;
  /** user@127.0.0.1: the user running the tests logs in as itself. */
  destination: string;
  /** ssh options up to the destination: our key, our known_hosts, no user or system ssh_config. */
  sshArgs(...extra: string[]): string[];
  /** SIGKILLs every per-connection sshd process: each client's link drops as if the network went away. */
  dropSessions(): number;
  /** What sshd logged on stderr (-e). */
  log(): string;
  stop(): Promise<void>;
}

/** Asks the kernel for a free port on 127.0.0.1 (sshd binds it a moment later; a lost race is retried). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Parent pid of a process, or null if it is gone. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Every live descendant of `root`. */
function descendants(root: number): number[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const found = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const pid of all) {
      const parent = parentOf(pid);
      if (!found.has(pid) && parent !== null && found.has(parent)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  found.delete(root);
  return [...found];
}

function config(dir: string, port: number, options: SshdOptions): string {
  return [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    // The temp directory is not laid out the way StrictModes wants a home directory to be.
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    // Only what the gate needs: a remote Unix socket forwarded back (ssh -R /remote.sock:/local.sock). OpenSSH 9.2
    // refuses a remote Unix-socket forward under `AllowTcpForwarding no`: allow the direction, listen on no TCP port.
    'AllowStreamLocalForwarding remote',
    'StreamLocalBindUnlink yes',
    'AllowTcpForwarding remote',
    'PermitListen none',
    'AllowAgentForwarding no',
    'X11Forwarding no',
    'PermitUserRC no',
    'PrintMotd no',
    ...(options.acceptEnv?.length ? [`AcceptEnv ${options.acceptEnv.join(' ')}`] : []),
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

function waitListening(child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`sshd did not start listening:\n${output()}`)), 10_000);
    const onData = () => {
      if (/Server listening on 127\.0\.0\.1 port/.test(output())) done(null);
    };
    const onExit = () => done(new Error(`sshd exited:\n${output()}`));
    const done = (err: Error | null) => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    onData();
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  });
}

/** Starts sshd -D -e with throwaway keys in `dir` (which it creates). */
export async function startSshd(dir: string, options: SshdOptions = {}): Promise<Sshd> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keygen = (file: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gpg-gate-test', '-f', join(dir, file)]);
  keygen('host_ed25519');
  keygen('user_ed25519');
  copyFileSync(join(dir, 'user_ed25519.pub'), join(dir, 'authorized_keys'));
  // sshd refuses to start as root without its privilege-separation directory.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  for (let tries = 1; ; tries++) {
    const port = await freePort();
    const configFile = join(dir, 'sshd_config');
    writeFileSync(configFile, config(dir, port, options));
    const child = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitListening(child, () => stderr);
    } catch (err) {
      await stopProcess(child);
      if (tries < 3 && /Address already in use/.test(stderr)) continue;
      throw err;
    }
    // Known in advance: the client checks the host key strictly, as it should.
    const hostKey = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim();
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
    const pid = child.pid as number;
    const dropSessions = () => {
      let n = 0;
      for (const p of descendants(pid)) {
        if (comm(p) !== 'sshd') continue; // the remote commands themselves survive, as on a real host
        try {
          process.kill(p, 'SIGKILL');
          n++;
        } catch {
          // Already gone.
        }
      }
      return n;
    };
    return {
      port,
      destination: `${userInfo().username}@127.0.0.1`,
      sshArgs: (...extra) => [
        '-F',
        '/dev/null',
        '-p',
        String(port),
        '-i',
        join(dir, 'user_ed25519'),
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
        '-o',
        'ConnectTimeout=10',
        ...extra,
      ],
      dropSessions,
      log: () => stderr,
      async stop() {
        dropSessions();
        await stopProcess(child);
      },
    };
  }
}

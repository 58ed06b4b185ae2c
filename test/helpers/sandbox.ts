// A bubblewrap sandbox with a minimal tree, as a build environment: the host's /usr read-only (node, gpg, git,
// debsign), nothing of the host's /etc, /home or /run, no network, its own pids and /tmp, no capabilities, and only
// the directories a test binds in. It is meant to be the COMMAND of `gpg-gate run`: bwrap passes its environment on, so the job's
// GPG_GATE_TOKEN reaches the inside without ever being on a command line; what differs inside is set with --setenv.
export const BWRAP = 'bwrap';

export interface Bind {
  host: string;
  inside: string;
  readOnly?: boolean;
}

export interface SandboxSpec {
  binds: Bind[];
  /** Variables as the inside must see them (paths inside the sandbox). */
  env: Record<string, string>;
  cwd: string;
  command: string[];
}

/** The argv of `bwrap … -- COMMAND` for `spec`. */
export function bwrapCommand(spec: SandboxSpec): string[] {
  const args = [
    BWRAP,
    '--die-with-parent',
    // Run as root, bwrap would keep root's capabilities inside; a build environment gets none.
    '--cap-drop',
    'ALL',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
  ];
  for (const b of spec.binds) args.push(b.readOnly ? '--ro-bind' : '--bind', b.host, b.inside);
  for (const [name, value] of Object.entries(spec.env)) args.push('--setenv', name, value);
  args.push('--chdir', spec.cwd, '--', ...spec.command);
  return args;
}

// Where gpg looks for its config files and how it opens them: the global file always, then one user file (the first
// `--options FILE`, none with `--no-options`, else the first readable of gpg.conf-2.2.40, gpg.conf-2.2, gpg.conf-2,
// gpg.conf in the home directory), as libgpg-error 1.46 gpgrt_argparser() does for gpg 2.2.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { GPG_VERSION } from './option-table.js';

export const DEFAULT_GLOBAL_CONFIG = '/etc/gnupg/gpg.conf';

export type ConfigOpen =
  | { kind: 'text'; path: string; text: string }
  /** fopen failed: a default file is then silently skipped, an explicit one is an error. */
  | { kind: 'missing'; path: string; reason: string }
  /** fopen succeeded but reading fails (a directory): gpg 2.2.40 prints "read error" forever. */
  | { kind: 'read-error'; path: string; reason: string };

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EPERM: 'Operation not permitted',
};

/** Reads a config file as bytes (one char per byte), or says why gpg could not. */
export function openConfig(path: string): ConfigOpen {
  try {
    // A missing file is the common case: a stat that returns nothing is cheaper than a thrown ENOENT.
    if (!statSync(path, { throwIfNoEntry: false }))
      return { kind: 'missing', path, reason: STRERROR.ENOENT ?? 'No such file or directory' };
    return { kind: 'text', path, text: readFileSync(path, 'latin1') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EISDIR') return { kind: 'read-error', path, reason: 'read error' };
    return { kind: 'missing', path, reason: STRERROR[code] ?? (err as Error).message };
  }
}

function readable(path: string): boolean {
  try {
    if (!statSync(path, { throwIfNoEntry: false })) return false;
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** argparse.c try_versioned_conffile: gpg.conf-2.2.40, gpg.conf-2.2, gpg.conf-2 (first readable), else gpg.conf. */
export function userConfigPath(homedir: string): string {
  const base = `${homedir}/gpg.conf`;
  let version = GPG_VERSION;
  for (;;) {
    const candidate = `${base}-${version}`;
    if (readable(candidate)) return candidate;
    const cut = Math.max(version.lastIndexOf('.'), version.lastIndexOf('-'));
    if (cut <= 0) return base;
    version = version.slice(0, cut);
  }
}

/** $HOME, else the password database (what gnupg's tilde expansion uses). */
function homeOf(env: NodeJS.ProcessEnv): string {
  // node:os only when needed: loading it costs more than the rest of this module.
  return env.HOME || process.getBuiltinModule('node:os').homedir();
}

/** `~user` from /etc/passwd (gnupg uses getpwnam); null if unknown. */
function passwdHome(user: string): string | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user && f[5]) return f[5];
    }
  } catch {
    // No password file: gpg would not expand either.
  }
  return null;
}

/**
 * gnupg_set_homedir: `--homedir` (the last one), else $GNUPGHOME, else ~/.gnupg; `~` expanded, made absolute against
 * the current directory, trailing slashes removed.
 */
export function resolveHomedir(fromArgv: string | null, env: NodeJS.ProcessEnv, cwd: string): string {
  let dir = fromArgv || env.GNUPGHOME || '~/.gnupg';
  if (dir === '~' || dir.startsWith('~/')) dir = homeOf(env) + dir.slice(1);
  else if (dir.startsWith('~')) {
    const slash = dir.indexOf('/');
    const home = passwdHome(dir.slice(1, slash < 0 ? undefined : slash));
    if (home) dir = home + (slash < 0 ? '' : dir.slice(slash));
  }
  if (!isAbsolute(dir)) dir = `${cwd === '/' ? '' : cwd}/${dir}`;
  while (dir.length > 1 && dir.endsWith('/')) dir = dir.slice(0, -1);
  return dir;
}

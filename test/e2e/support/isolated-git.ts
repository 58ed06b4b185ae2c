// A git (and dgit) environment that reads none of the user's configuration: its own HOME, a global config file
// written here, no system config. gpg is found on PATH, as git's default gpg.program "gpg" does.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv } from '../../helpers/gnupg-home.js';

export interface GitIdentity {
  name: string;
  email: string;
  /** user.signingkey; unset lets git use "Name <email>". */
  signingKey?: string;
}

/**
 * Writes DIR/home/.gitconfig from `identity` and `extraConfig` (git config file text) and returns the environment
 * for git run with it. GNUPGHOME is left to the job.
 */
export function isolatedGitEnv(dir: string, identity: GitIdentity, extraConfig = ''): NodeJS.ProcessEnv {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const gitConfig = join(home, '.gitconfig');
  const lines = [
    '[user]',
    `  name = ${identity.name}`,
    `  email = ${identity.email}`,
    ...(identity.signingKey ? [`  signingkey = ${identity.signingKey}`] : []),
    '[init]',
    '  defaultBranch = main',
    '',
  ];
  writeFileSync(gitConfig, lines.join('\n') + extraConfig);
  return cleanEnv({
    HOME: home,
    GIT_CONFIG_GLOBAL: gitConfig,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    // Fixed dates keep nothing time-dependent except the signatures themselves.
    GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
  });
}

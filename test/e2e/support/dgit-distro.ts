// A distro for the real dgit, offline, configured like dgit's own test suite does it: everything dgit would reach
// over the network (archive queries, the dgit git server, the mirror) is a local file or repository.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestKeyInfo } from '../../helpers/test-keys.js';
import { PACKAGE, writeSourceTree } from './debian-source.js';
import { isolatedGitEnv } from './isolated-git.js';

export const DISTRO = 'gpg-gate-test';

/** git config text for the distro, its files under `dir` (archive-query/, mirror/, dgit-repos/). */
export function distroConfig(dir: string): string {
  return `[dgit-distro "${DISTRO}"]
  archive-query = dummycat:${dir}/archive-query
  mirror = file://${dir}/mirror/
  git-url = ${dir}/dgit-repos
  git-host = dgit-repos.invalid
  git-check = true
  policy-query-supported-ssh = false
  upload-host = ${DISTRO}
`;
}

export interface DgitPush {
  /** git's (and dgit's) environment: the distro configured, nothing of the user's. */
  env: NodeJS.ProcessEnv;
  /** The package's git tree, committed: where dgit runs. */
  tree: string;
  /** dput records its arguments in uploads/dput-args and copies the .changes there. */
  uploads: string;
  /** The archive query's answer file: write into it to break the archive ("HTTP 500"), remove it to mend it. */
  brokenAnswer: string;
  /** `dgit push-source`, then what is left of stdin into `stdinLeftOver` (dgit must not read it). */
  command: (stdinBytes: number) => string[];
  stdinLeftOver: string;
}

/** Lays out the distro under `dir` and a committed native package signed by `key`, ready for `dgit push-source`. */
export function dgitPush(dir: string, key: TestKeyInfo): DgitPush {
  for (const d of ['archive-query', 'mirror', 'dgit-repos', 'uploads']) mkdirSync(join(dir, d));
  execFileSync('git', ['init', '-q', '--bare', join(dir, 'dgit-repos', `${PACKAGE}.git`)]);
  const uploads = join(dir, 'uploads');
  const dput = join(dir, 'dput');
  writeFileSync(dput, `#!/bin/sh\necho "$@" > ${join(uploads, 'dput-args')}\ncp "$2" ${uploads}/\n`, { mode: 0o755 });
  const env = isolatedGitEnv(dir, { name: 'gpg-gate test', email: key.email }, distroConfig(dir));
  const tree = writeSourceTree(dir, key.userId);
  for (const args of [
    ['init', '-q'],
    ['add', '.'],
    ['commit', '-q', '-m', 'hello-gate 1.0'],
  ]) {
    execFileSync('git', args, { cwd: tree, env });
  }
  const dgit = ['dgit', '-d', DISTRO, `-k${key.fingerprint}`, `--dput=${dput}`, '--clean=none', 'push-source', '--new'];
  const stdinLeftOver = join(dir, 'stdin-left-over');
  return {
    env,
    tree,
    uploads,
    brokenAnswer: join(dir, 'archive-query', `package.unstable.${PACKAGE}`),
    command: (n) => ['sh', '-c', `${dgit.join(' ')} && timeout 5 head -c ${n} > ${stdinLeftOver}`],
    stdinLeftOver,
  };
}

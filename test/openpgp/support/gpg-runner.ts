// Runs the real gpg for comparisons: status lines on their own descriptor (fd 3), stderr, output and exit code.
import { spawnSync } from 'node:child_process';

export interface GpgRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** Status lines without the `[GNUPG:] ` prefix. */
  status: string[];
}

export function statusLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('[GNUPG:] '))
    .map((l) => l.slice('[GNUPG:] '.length));
}

/** `gpg --batch --status-fd 3 ARGS` in `cwd` with `env` (a test GNUPGHOME). */
export function runGpg(
  args: readonly string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string; input?: string | Buffer; program?: string },
): GpgRun {
  const r = spawnSync(opts.program ?? 'gpg', ['--status-fd', '3', ...args], {
    env: opts.env,
    cwd: opts.cwd,
    input: opts.input ?? '',
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  // gpg may exit before it reads its input (an unknown user id, say): the write then fails with EPIPE, but gpg ran
  // to its end and what it said is what we compare.
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  const fd3 = (r.output[3] as Buffer | null) ?? Buffer.alloc(0);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString(), status: statusLines(fd3.toString()) };
}

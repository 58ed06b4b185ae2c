// Wall time (and optionally peak RSS) of one command run to completion. spawnSync keeps the measuring process out
// of the way: no event loop between the child's exit and the clock.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export interface Command {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Sample {
  ms: number;
  /** Peak RSS of the command (GNU time's %M, KiB), when asked for and /usr/bin/time exists. */
  rssKiB: number | null;
}

export const GNU_TIME = '/usr/bin/time';

export function hasGnuTime(): boolean {
  try {
    accessSync(GNU_TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs the command; a failure is an error, never a (fast) sample. */
export function timeCommand(c: Command, options: { rss?: boolean } = {}): Sample {
  const rssFile = options.rss && hasGnuTime() ? join(tmpdir(), `gpg-gate-bench-rss-${process.pid}`) : null;
  const [file, args] = rssFile ? [GNU_TIME, ['-f', '%M', '-o', rssFile, c.file, ...c.args]] : [c.file, c.args];
  const start = process.hrtime.bigint();
  const r = spawnSync(file, args, { env: c.env, cwd: c.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(
      `${c.file} ${c.args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.toString().slice(-2000)}`,
    );
  }
  let rssKiB: number | null = null;
  if (rssFile) {
    rssKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    rmSync(rssFile, { force: true });
  }
  return { ms, rssKiB };
}

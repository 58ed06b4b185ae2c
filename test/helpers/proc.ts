// Looking at processes through /proc: who still runs in a directory, a process's argv, environment and descriptors.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function pids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** State letter of a process, or null if it is gone. */
export function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] ?? null;
  } catch {
    return null;
  }
}

/** Alive and not a zombie. */
export function isRunning(pid: number): boolean {
  const s = procState(pid);
  return s !== null && s !== 'Z' && s !== 'X';
}

/** argv of a process (empty if it is gone or a zombie). */
export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return [];
  }
}

/** Raw environment block of a process ("" if it is gone). */
export function environ(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return '';
  }
}

/** Live processes whose working directory is `dir` or below (how a test finds everything it started there). */
export function processesIn(dir: string): number[] {
  return pids().filter((pid) => {
    if (pid === process.pid || !isRunning(pid)) return false;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      return cwd === dir || cwd.startsWith(`${dir}/`);
    } catch {
      return false;
    }
  });
}

/** Waits until nothing runs in `dir` any more; returns the stragglers if some remain after `timeoutMs`. */
export async function quiesce(dir: string, timeoutMs = 20_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = processesIn(dir);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Open descriptors of a process, as fd number → what it points to. */
export function openFds(pid: number): Map<number, string> {
  const fds = new Map<number, string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      fds.set(Number(fd), readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // Closed while we looked.
    }
  }
  return fds;
}

/** Kills with SIGKILL if it still exists (a process that is already gone is not an error). */
export function kill9(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

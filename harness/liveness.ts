// Identifies a process across time: a pid alone may be reused, so the journal records the pid with the process's start
// time (/proc/PID/stat field 22) and the boot id. `status` uses it to tell a live supervisor from a dead one.
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Clock ticks since boot at which the process started; null where /proc is not available. */
  startTime: number | null;
  bootId: string | null;
}

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** State letter and start time of a process, from /proc/PID/stat; null if there is no such process. */
function procStat(pid: number): { state: string; startTime: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = Number(fields[19]);
  if (state === undefined || !Number.isSafeInteger(startTime)) return null;
  return { state, startTime };
}

export function identify(pid: number = process.pid): ProcessIdentity {
  return { pid, startTime: procStat(pid)?.startTime ?? null, bootId: readBootId() };
}

/** Whether the identified process still runs. A zombie counts as dead; without /proc, a live pid counts as alive. */
export function isAlive(who: ProcessIdentity): boolean {
  const bootId = readBootId();
  if (who.bootId !== null && bootId !== null && who.bootId !== bootId) return false;
  const stat = procStat(who.pid);
  if (stat !== null)
    return stat.state !== 'Z' && stat.state !== 'X' && (who.startTime === null || stat.startTime === who.startTime);
  if (bootId !== null) return false;
  try {
    process.kill(who.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

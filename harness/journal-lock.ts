// One supervisor per journal: `run` holds an advisory lock (flock(2)) on the journal file for the job's life. The lock
// belongs to an open file description that only the supervisor holds, so the kernel drops it the moment the supervisor
// dies, kill -9 included; another program (an embedder, a second `run`) can test it with flock(1) or Perl's flock.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { HarnessError, describeError } from './harness-error.js';

/** util-linux is essential in Debian; by absolute path, since the supervisor's PATH may hold nothing but node. */
const FLOCK = ['/usr/bin/flock', '/bin/flock'].find((p) => existsSync(p)) ?? '/usr/bin/flock';

export interface JournalLock {
  /** The journal did not exist: it was created empty to be locked. */
  readonly created: boolean;
  /** Drops the lock (closes the descriptor), first removing a journal it created if nothing was ever written to it. */
  release(removeCreated: boolean): void;
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Opens the journal, creating it empty (0600, in a 0700 directory) if needed. */
function openJournalFile(path: string): { fd: number; created: boolean } {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(path, constants.O_RDONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    // A new journal's name must survive a crash as surely as its lines.
    fsyncDirectory(dir);
    return { fd, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new HarnessError('journal', `cannot create the journal ${path}: ${describeError(err)}`, { cause: err });
    }
  }
  try {
    return { fd: openSync(path, constants.O_RDONLY), created: false };
  } catch (err) {
    throw new HarnessError('journal', `cannot open the journal ${path}: ${describeError(err)}`, { cause: err });
  }
}

/** Opens (or creates) the journal and takes the lock without waiting; refuses if another process holds it. */
export function lockJournal(path: string): JournalLock {
  const { fd, created } = openJournalFile(path);
  // Node has no flock(); util-linux's flock(1) locks the descriptor it is given, which shares our open file
  // description: the lock stays with us after it exits.
  const r = spawnSync(FLOCK, ['--nonblock', '--conflict-exit-code', '75', '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
  });
  if (r.status === 0) {
    let open = true;
    return {
      created,
      release(removeCreated) {
        if (!open) return;
        // Still locked while it goes: nobody else can have written to it.
        if (removeCreated && created && fstatSync(fd).size === 0) rmSync(path, { force: true });
        closeSync(fd);
        open = false;
      },
    };
  }
  if (created) rmSync(path, { force: true });
  closeSync(fd);
  if (r.status === 75) {
    throw new HarnessError(
      'refused',
      `the journal ${path} is locked by another gpg-gate run (one supervisor per job at a time)`,
    );
  }
  const why = r.error ? describeError(r.error) : `flock exited ${r.status ?? r.signal}: ${r.stderr.toString().trim()}`;
  throw new HarnessError('journal', `cannot lock the journal ${path}: ${why}`);
}

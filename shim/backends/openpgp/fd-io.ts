// Synchronous descriptor I/O for the backend: status lines, log lines and output reach their descriptors in the
// order gpg writes them, and a full pipe simply blocks (or is retried, if the caller handed us a non-blocking one).
import { readSync, writeSync } from 'node:fs';

const waitCell = new Int32Array(new SharedArrayBuffer(4));

function pause(ms: number): void {
  Atomics.wait(waitCell, 0, 0, ms);
}

/** Writes all of `data` to `fd`, retrying partial writes and EAGAIN. */
export function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      pause(2);
    }
  }
}

/** A writer of whole lines to `fd` (none if null); a caller that closed its descriptor is ignored, as gpg does. */
export function lineWriter(fd: number | null, prefix: string): (text: string) => void {
  return (text) => {
    if (fd === null) return;
    try {
      writeAll(fd, Buffer.from(`${prefix}${text}\n`));
    } catch {
      // The caller closed its descriptor; gpg ignores that too.
    }
  };
}

/**
 * Reads one line from `fd` a byte at a time, as gpg reads --passphrase-fd: up to a LF (not included) or the end, and
 * never a byte more, so whatever follows stays for its next reader. An unreadable descriptor reads as empty.
 */
export function readLineFromFd(fd: number): string {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, one, 0, 1, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        pause(2);
        continue;
      }
      break;
    }
    if (n !== 1 || one[0] === 0x0a) break;
    bytes.push(one[0]!);
  }
  return Buffer.from(bytes).toString('utf8');
}

// Streams over descriptors an embedding program handed us (--events-fd, --decisions-fd). Pipes and sockets get a
// non-blocking handle, so a slow reader never stalls the supervisor; regular files use ordinary file streams.
import { createReadStream, createWriteStream, fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { HarnessError, describeError } from './harness-error.js';

function isPipeOrSocket(fd: number, option: string): boolean {
  try {
    const st = fstatSync(fd);
    return st.isFIFO() || st.isSocket();
  } catch (err) {
    throw new HarnessError('usage', `${option} ${fd}: descriptor is not open (${describeError(err)})`, { cause: err });
  }
}

export function writableFd(fd: number, option: string): Writable {
  if (isPipeOrSocket(fd, option)) return new Socket({ fd, readable: false, writable: true });
  return createWriteStream('', { fd, autoClose: false });
}

export function readableFd(fd: number, option: string): Readable {
  if (isPipeOrSocket(fd, option)) return new Socket({ fd, readable: true, writable: false });
  return createReadStream('', { fd, autoClose: false });
}

// Where the supervisor listens: a fresh 0700 directory, or a path the operator chose (e.g. inside a chroot), checked
// so that nobody else can reach or replace the socket.
import { lstatSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { HarnessError, describeError } from './harness-error.js';

export interface SocketLocation {
  path: string;
  /** The directory we created and must remove on exit; null for an operator-chosen path. */
  ownDir: string | null;
}

/** sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

function checkLength(path: string): void {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new HarnessError('socket', `socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes`);
  }
}

/** Resolves when something accepts connections at `path`, rejects with the connect error otherwise. */
function probe(path: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ path });
    const done = (listening: boolean) => {
      socket.destroy();
      resolvePromise(listening);
    };
    socket.setTimeout(2000, () => done(true)); // accepted but silent still counts as someone listening
    socket.once('connect', () => done(true));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done(false);
      else {
        socket.destroy();
        resolvePromise(true);
      }
    });
  });
}

/** Refuses a directory that is not ours or that anyone else may enter: they could connect or swap the socket. */
function checkDirectory(dir: string): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    throw new HarnessError('socket', `socket directory ${dir}: ${describeError(err)}`, { cause: err });
  }
  if (!st.isDirectory()) throw new HarnessError('socket', `socket directory ${dir} is not a directory (or is a link)`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new HarnessError('socket', `socket directory ${dir} belongs to uid ${st.uid}, not to us (${uid})`);
  }
  if ((st.mode & 0o077) !== 0) {
    throw new HarnessError(
      'socket',
      `socket directory ${dir} is accessible to group or others (mode ${(st.mode & 0o777).toString(8)}); use chmod 700`,
    );
  }
}

export async function prepareSocket(requested: string | null): Promise<SocketLocation> {
  if (requested === null) {
    const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-')); // mkdtemp makes it 0700
    const path = join(dir, 'S.gpg-gate');
    try {
      checkLength(path);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return { path, ownDir: dir };
  }
  const path = resolve(requested);
  checkLength(path);
  checkDirectory(dirname(path));
  let existing;
  try {
    existing = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path, ownDir: null };
    throw new HarnessError('socket', `socket ${path}: ${describeError(err)}`, { cause: err });
  }
  if (!existing.isSocket()) throw new HarnessError('socket', `${path} exists and is not a socket`);
  if (await probe(path)) throw new HarnessError('socket', `another supervisor already listens on ${path}`);
  // Nothing listens: a socket left behind by a supervisor that died.
  try {
    unlinkSync(path);
  } catch (err) {
    throw new HarnessError('socket', `cannot remove the stale socket ${path}: ${describeError(err)}`, { cause: err });
  }
  return { path, ownDir: null };
}

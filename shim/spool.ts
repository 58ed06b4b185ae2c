// Spooling: the bytes to be signed are copied into a private file while they are hashed, and gpg signs that file.
// The digest sent to the supervisor is therefore of exactly the bytes signed (no time-of-check/time-of-use gap), and
// each input is read once.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ShimError } from './shim-error.js';

export interface Spool {
  /** The private copy gpg signs. */
  path: string;
  sha256: string;
  size: number;
  inputs: { name: string; size: number }[];
  /** With `takeStdinLine`: the first line of standard input (newline included), which is not data. */
  stdinLine: Buffer | null;
  remove(): void;
}

/** gpg reads a --passphrase-fd line byte by byte and grows its buffer; a line longer than this is not a passphrase. */
const MAX_STDIN_LINE = 64 * 1024;

const READ_CHUNK = 1024 * 1024;

// gpg's wording for the errors an input can hit (strerror), keyed by errno code.
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENOTDIR: 'Not a directory',
};

function inputError(name: string, err: NodeJS.ErrnoException): ShimError {
  const code = err.code ?? 'EIO';
  const reason = STRERROR[code] ?? err.message;
  return new ShimError('input', `can't open '${name}': ${reason}`, { cause: err, errno: code });
}

function spoolError(err: NodeJS.ErrnoException): ShimError {
  return new ShimError('setup', `cannot spool the data to sign: ${err.message}`, { cause: err });
}

/**
 * Copies the inputs (files in order, `-` or none = standard input) into a new 0600 file in a fresh 0700 directory,
 * hashing them on the way. Memory stays bounded by the stream buffers whatever the size.
 * `takeStdinLine`: standard input starts with a line that is not data (gpg's `--passphrase-fd 0`, read at start-up
 * before the data); it is set aside, neither hashed nor spooled.
 */
export async function spoolInputs(args: readonly string[], options: { takeStdinLine?: boolean } = {}): Promise<Spool> {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'gpg-gate-spool-'));
  } catch (err) {
    throw spoolError(err as NodeJS.ErrnoException);
  }
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, 'data');
  const hash = createHash('sha256');
  const out = createWriteStream(path, { flags: 'wx', mode: 0o600, highWaterMark: READ_CHUNK });
  const outError = new Promise<never>((_, reject) => out.once('error', reject));
  outError.catch(() => undefined);
  const inputs: { name: string; size: number }[] = [];
  const line: Buffer[] | null = options.takeStdinLine ? [] : null;
  let lineDone = !options.takeStdinLine;
  let lineLength = 0;
  try {
    for (const name of args.length === 0 ? ['-'] : args) {
      const stream: Readable = name === '-' ? process.stdin : createReadStream(name, { highWaterMark: READ_CHUNK });
      let size = 0;
      try {
        for await (const chunk of stream) {
          let buf = chunk as Buffer;
          if (name === '-' && !lineDone && line) {
            const nl = buf.indexOf(0x0a);
            line.push(nl < 0 ? buf : buf.subarray(0, nl + 1));
            lineLength += nl < 0 ? buf.length : nl + 1;
            if (lineLength > MAX_STDIN_LINE)
              throw new ShimError('setup', 'the passphrase line on standard input is too long');
            if (nl < 0) continue;
            lineDone = true;
            buf = buf.subarray(nl + 1);
          }
          hash.update(buf);
          size += buf.length;
          if (!out.write(buf)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), outError]);
        }
      } catch (err) {
        if (err instanceof ShimError) throw err;
        if (out.errored) throw spoolError(out.errored);
        throw inputError(name, err as NodeJS.ErrnoException);
      }
      inputs.push({ name, size });
    }
    out.end();
    await Promise.race([finished(out), outError]);
  } catch (err) {
    out.destroy();
    remove();
    if (err instanceof ShimError) throw err;
    throw spoolError(err as NodeJS.ErrnoException);
  }
  return {
    path,
    sha256: hash.digest('hex'),
    size: inputs.reduce((n, i) => n + i.size, 0),
    inputs,
    stdinLine: line && Buffer.concat(line),
    remove,
  };
}

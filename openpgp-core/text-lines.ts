// Text as gpg 2.2 signs it: --textmode (text_filter: line ends become CRLF, trailing CRs go) and cleartext
// signatures (copy_clearsig_text: trailing blanks are not hashed, lines are joined by CRLF, "-" and "From " lines are
// dash-escaped in the output).
import { unsupported } from './signing-error.js';

/** gpg reads text in lines of at most this many bytes before the LF; a longer line it truncates. */
export const MAX_TEXT_LINE = 19993;

const LF = 0x0a;
const CR = 0x0d;

function tooLong(): Error {
  return unsupported(
    `a text line is longer than ${MAX_TEXT_LINE} bytes; gpg would truncate it (and for --textmode exit 2), so this backend does not sign it`,
  );
}

/** Splits a byte stream into lines (each with its LF, the last one possibly without), refusing overlong lines. */
export class LineSplitter {
  private partial: Buffer[] = [];
  private partialLength = 0;

  constructor(private readonly onLine: (line: Buffer) => Promise<void> | void) {}

  async push(chunk: Uint8Array): Promise<void> {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let nl = buf.indexOf(LF, start); nl >= 0; nl = buf.indexOf(LF, start)) {
      if (this.partialLength + (nl - start) > MAX_TEXT_LINE) throw tooLong();
      const line = Buffer.concat([...this.partial, buf.subarray(start, nl + 1)]);
      this.partial = [];
      this.partialLength = 0;
      start = nl + 1;
      await this.onLine(line);
    }
    if (start < buf.length) {
      if (this.partialLength + (buf.length - start) > MAX_TEXT_LINE) throw tooLong();
      this.partial.push(Buffer.from(buf.subarray(start)));
      this.partialLength += buf.length - start;
    }
  }

  async end(): Promise<void> {
    if (this.partialLength === 0) return;
    const line = Buffer.concat(this.partial);
    this.partial = [];
    this.partialLength = 0;
    await this.onLine(line);
  }
}

/** Throws if gpg would truncate a line of this text (it would sign something else than the input). */
export async function checkLineLengths(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
  const splitter = new LineSplitter(() => undefined);
  for await (const chunk of source) await splitter.push(chunk);
}

// gpg trims with strchr(set, c), which also finds the set's terminating NUL: NUL bytes are trimmed along with the set.
const NUL = 0x00;

function trimEnd(line: Buffer, chars: readonly number[]): Buffer {
  let end = line.length;
  while (end > 0 && chars.includes(line[end - 1]!)) end--;
  return line.subarray(0, end);
}

/** One line through gpg's text_filter: trailing CR, LF and NUL removed, CRLF appended if the line had an LF. */
export function canonicalTextLine(line: Buffer): Buffer {
  const hasLf = line[line.length - 1] === LF;
  const body = trimEnd(line, [CR, LF, NUL]);
  return hasLf ? Buffer.concat([body, Buffer.from([CR, LF])]) : Buffer.from(body);
}

/** Cleartext signature state: what to hash and what to print for each line, and the final newline. */
export class ClearsignText {
  private pendingLf = false;

  /** Bytes to hash for this line. */
  hashed(line: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (this.pendingLf) parts.push(Buffer.from([CR, LF]));
    parts.push(trimEnd(line, [0x20, 0x09, CR, LF, NUL]));
    this.pendingLf = line[line.length - 1] === LF;
    return Buffer.concat(parts);
  }

  /** Bytes to print for this line: dash-escaped if it starts with "-" or "From ". */
  printed(line: Buffer): Buffer {
    const escape = line[0] === 0x2d || (line.length > 4 && line.subarray(0, 5).toString('latin1') === 'From ');
    return escape ? Buffer.concat([Buffer.from('- '), line]) : line;
  }

  /** What gpg prints after the last line: an LF if the text did not end with one. */
  ending(): Buffer {
    return this.pendingLf ? Buffer.alloc(0) : Buffer.from('\n');
  }
}

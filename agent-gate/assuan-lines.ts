// Assuan's framing (libassuan): one LF-terminated line of at most 1000 bytes (1002 with CR LF), data in `D` lines
// with %, CR and LF percent-escaped. The proxy reads both of its peers with this and trusts neither.

/** libassuan's ASSUAN_LINELENGTH: 1000 bytes plus CR LF. A longer line is a protocol violation. */
export const ASSUAN_LINE_MAX = 1002;

export class AssuanLineError extends Error {}

/** Splits a byte stream into lines (without the LF, a trailing CR kept: libassuan keeps it too). */
export class LineReader {
  private pending: Buffer = Buffer.alloc(0);

  /** The complete lines in `chunk` (plus what came before it); throws AssuanLineError on an overlong line. */
  push(chunk: Buffer): string[] {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const lines: string[] = [];
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
      if (nl + 1 - start > ASSUAN_LINE_MAX) throw new AssuanLineError(`a line of ${nl + 1 - start} bytes`);
      lines.push(data.subarray(start, nl).toString('latin1'));
      start = nl + 1;
    }
    this.pending = Buffer.from(data.subarray(start));
    if (this.pending.length >= ASSUAN_LINE_MAX) {
      throw new AssuanLineError(`more than ${ASSUAN_LINE_MAX - 1} bytes without a line end`);
    }
    return lines;
  }

  get partial(): boolean {
    return this.pending.length > 0;
  }
}

/** The command word of a request line, upper-cased (libassuan matches commands without regard to case). */
export function commandName(line: string): string {
  const end = line.search(/[ \t]/);
  return (end < 0 ? line : line.slice(0, end)).toUpperCase();
}

/** The text after the command word. */
export function commandArgs(line: string): string {
  const end = line.search(/[ \t]/);
  return end < 0 ? '' : line.slice(end + 1).trimStart();
}

/** The bytes of a percent-escaped Assuan string (`D` line payload, or a SETKEYDESC text, where `+` is a space). */
export function percentDecode(text: string, plusIsSpace = false): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === 0x2b && plusIsSpace) out.push(0x20);
    else out.push(c & 0xff);
  }
  return Buffer.from(out);
}

/** The response kinds an agent sends (libassuan): the final OK/ERR, and D, S, #, INQUIRE on the way. */
export type ResponseKind = 'ok' | 'err' | 'data' | 'status' | 'comment' | 'inquire';

export function responseKind(line: string): ResponseKind | null {
  if (line === 'OK' || line.startsWith('OK ')) return 'ok';
  if (line.startsWith('ERR ')) return 'err';
  if (line.startsWith('D ')) return 'data';
  if (line.startsWith('S ')) return 'status';
  if (line === '#' || line.startsWith('# ')) return 'comment';
  if (line.startsWith('INQUIRE ')) return 'inquire';
  return null;
}

// gpg's messages and status lines travel back in one sign-done frame (at most 1 MiB), so what a signer collects is
// bounded: beyond the limit the rest is dropped and a note says so.

export const MAX_STDERR_BYTES = 64 * 1024;
export const MAX_STATUS_LINES = 1000;
export const MAX_STATUS_LINE_BYTES = 1024;

export class BoundedText {
  private readonly parts: Buffer[] = [];
  private length = 0;
  private dropped = false;

  constructor(private readonly limit: number) {}

  push(data: Buffer): void {
    const room = this.limit - this.length;
    if (data.length > room) this.dropped = true;
    const take = data.subarray(0, Math.max(0, room));
    if (take.length === 0) return;
    this.parts.push(take);
    this.length += take.length;
  }

  text(): string {
    const text = Buffer.concat(this.parts).toString('utf8');
    return this.dropped ? `${text}\n[gpg-gate: further messages dropped]\n` : text;
  }
}

/** Splits status output into lines, keeping at most MAX_STATUS_LINES lines of at most MAX_STATUS_LINE_BYTES. */
export class StatusLines {
  readonly lines: string[] = [];
  private partial = '';

  push(data: Buffer): void {
    const text = this.partial + data.toString('latin1');
    const pieces = text.split('\n');
    this.partial = pieces.pop() ?? '';
    if (this.partial.length > MAX_STATUS_LINE_BYTES) this.partial = this.partial.slice(0, MAX_STATUS_LINE_BYTES);
    for (const line of pieces) this.add(line);
  }

  end(): string[] {
    if (this.partial !== '') this.add(this.partial);
    this.partial = '';
    return this.lines;
  }

  private add(line: string): void {
    if (this.lines.length >= MAX_STATUS_LINES) return;
    // Status lines are bytes; latin1 keeps each byte as one character, then they are re-read as UTF-8.
    const clean = Buffer.from(line.replace(/\r$/, '').slice(0, MAX_STATUS_LINE_BYTES), 'latin1').toString('utf8');
    this.lines.push(clean);
  }
}

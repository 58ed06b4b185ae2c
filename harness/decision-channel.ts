// --decisions-fd: the embedding program answers each `commit-wanted` event with one JSON line (docs/protocol.md,
// "Embedding"). Lines are read as they come and queued; the commit step takes the next one.
import type { Readable } from 'node:stream';

export type EmbedderDecision = 'commit' | 'transient' | 'refuse';

export interface DecisionLine {
  decision: EmbedderDecision;
  reason: string;
  /** When given, must name the attempt the commit-wanted event was for. */
  attempt: number | null;
}

/** Longest decision line accepted; a longer one is a protocol error (the step fails closed). */
const MAX_LINE = 64 * 1024;

export type NextDecision = { line: DecisionLine } | { error: string } | { eof: true } | { timeout: true };

/** Parses one line, or returns why it is not a decision. */
export function parseDecisionLine(text: string): DecisionLine | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const o = value as Record<string, unknown>;
  if (o.decision !== 'commit' && o.decision !== 'transient' && o.decision !== 'refuse') {
    return 'decision must be "commit", "transient" or "refuse"';
  }
  if (o.reason !== undefined && typeof o.reason !== 'string') return 'reason must be a string';
  if (o.attempt !== undefined && (typeof o.attempt !== 'number' || !Number.isSafeInteger(o.attempt))) {
    return 'attempt must be an integer';
  }
  return { decision: o.decision, reason: o.reason ?? '', attempt: o.attempt ?? null };
}

export class DecisionChannel {
  private buffer = '';
  private readonly lines: (DecisionLine | string)[] = [];
  private ended = false;
  private wake: (() => void) | null = null;

  constructor(private readonly stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (data: string) => this.receive(data));
    stream.on('end', () => this.end());
    stream.on('error', () => this.end());
  }

  private receive(data: string): void {
    this.buffer += data;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line !== '') this.lines.push(parseDecisionLine(line));
    }
    if (this.buffer.length > MAX_LINE) {
      this.lines.push(`line longer than ${MAX_LINE} bytes`);
      this.buffer = '';
    }
    this.notify();
  }

  private end(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** The next decision line, waiting at most `timeoutMs`. */
  async next(timeoutMs: number): Promise<NextDecision> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return typeof line === 'string' ? { error: line } : { line };
      if (this.ended) return { eof: true };
      const left = deadline - Date.now();
      if (left <= 0) return { timeout: true };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.stream.destroy();
  }
}

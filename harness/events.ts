// --events-fd: every event as one JSON line, for an embedding program. Writes never block the supervisor; if the
// reader goes away, events are dropped (the journal stays the record) and one warning is printed.
import type { Writable } from 'node:stream';
import { describeError } from './harness-error.js';
import type { EventLine } from './records.js';

export class EventStream {
  private failed = false;

  constructor(
    private readonly out: Writable,
    private readonly warn: (message: string) => void,
  ) {
    out.on('error', (err) => {
      if (!this.failed) this.warn(`events descriptor failed, no more events: ${describeError(err)}`);
      this.failed = true;
    });
  }

  write(line: EventLine): void {
    if (this.failed || this.out.destroyed) return;
    this.out.write(JSON.stringify(line) + '\n');
  }

  /** Flushes what was written (bounded wait: a reader that never reads must not keep us alive). */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.failed || this.out.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.out.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

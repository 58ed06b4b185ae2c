// The job's journal: append-only JSON lines. Each line is written with one write(2) and fsync'd before the action it
// guards; a journal that failed once is never written again (a torn line stays the last line), so the caller must
// fail closed.
import { closeSync, constants, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dieNow, faultPoint } from '../common/fault-point.js';
import { HarnessError, describeError } from './harness-error.js';
import { RECORD_VERSION, type JobRecord, type JournalBody } from './records.js';

export interface JournalContents {
  records: JobRecord[];
  /** Bytes of complete lines; anything after is a torn (incomplete or unparsable) last line. */
  validLength: number;
  torn: boolean;
}

/** Reads a journal, ignoring a torn last line. A damaged line elsewhere is an error: the journal cannot be trusted. */
export function parseJournal(data: Buffer, path: string): JournalContents {
  const records: JobRecord[] = [];
  let start = 0;
  while (start < data.length) {
    const nl = data.indexOf(0x0a, start);
    const end = nl < 0 ? data.length : nl;
    let record: unknown;
    try {
      record = JSON.parse(data.subarray(start, end).toString('utf8'));
    } catch {
      record = undefined;
    }
    const valid =
      nl >= 0 && typeof record === 'object' && record !== null && typeof (record as JobRecord).event === 'string';
    if (!valid) {
      if (nl < 0 || nl === data.length - 1) return { records, validLength: start, torn: true };
      throw new HarnessError('journal', `${path}: line ${records.length + 1} is damaged`);
    }
    records.push(record as JobRecord);
    start = nl + 1;
  }
  return { records, validLength: start, torn: false };
}

export function readJournal(path: string): JournalContents {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new HarnessError('journal', `cannot read the journal ${path}: ${describeError(err)}`, { cause: err });
  }
  return parseJournal(data, path);
}

export class Journal {
  private broken: string | null = null;

  private constructor(
    readonly path: string,
    private fd: number,
    readonly job: string,
    private seq: number,
  ) {}

  /** Opens a journal (made by lockJournal) to append to it, cutting a torn last line (its action never happened). */
  static continue(path: string, job: string, contents: JournalContents): Journal {
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
      if (contents.torn) {
        ftruncateSync(fd, contents.validLength);
        fsyncSync(fd);
      }
      return new Journal(path, fd, job, contents.records.at(-1)?.seq ?? 0);
    } catch (err) {
      throw new HarnessError('journal', `cannot open the journal ${path}: ${describeError(err)}`, { cause: err });
    }
  }

  /** Durably appends one event. Throws HarnessError('journal'): whatever the event guards must not happen. */
  append(body: JournalBody): JobRecord {
    return this.appendAll([body])[0] as JobRecord;
  }

  /**
   * Durably appends events that guard the same action, in order, with one write(2) and one fsync: on disk after a
   * crash, a prefix of them (the last possibly torn). Throws HarnessError('journal') as append() does.
   */
  appendAll(bodies: readonly JournalBody[]): JobRecord[] {
    if (this.broken !== null)
      throw new HarnessError('journal', `the journal ${this.path} failed earlier: ${this.broken}`);
    const time = new Date().toISOString();
    const records = bodies.map((body, i) => ({
      v: RECORD_VERSION,
      seq: this.seq + 1 + i,
      time,
      job: this.job,
      ...body,
    }));
    const lines = records.map((record) => Buffer.from(JSON.stringify(record) + '\n', 'utf8'));
    const line = Buffer.concat(lines);
    try {
      // Test-only fault points (docs/protocol.md §12): die or pause around the write, or make it fail.
      let offset = 0;
      for (const [i, body] of bodies.entries()) {
        const fault = faultPoint(`journal.before.${body.event}`);
        if (fault === 'enospc') {
          throw Object.assign(new Error('no space left on device (injected by GPG_GATE_TEST_FAULT)'), {
            code: 'ENOSPC',
          });
        }
        if (fault === 'torn') {
          writeSync(this.fd, line.subarray(0, offset + ((lines[i] as Buffer).length >> 1)));
          dieNow();
        }
        offset += (lines[i] as Buffer).length;
      }
      let written = writeSync(this.fd, line);
      // After a short write, the next write completes the line or says why it cannot (ENOSPC on a full disk).
      while (written < line.length) {
        const more = writeSync(this.fd, line, written);
        if (more === 0) {
          throw Object.assign(new Error(`short write (${written} of ${line.length} bytes)`), { code: 'EIO' });
        }
        written += more;
      }
      fsyncSync(this.fd);
    } catch (err) {
      this.broken = describeError(err);
      throw new HarnessError('journal', `cannot write to the journal ${this.path}: ${this.broken}`, { cause: err });
    }
    this.seq += bodies.length;
    for (const body of bodies) faultPoint(`journal.after.${body.event}`);
    return records as JobRecord[];
  }

  get failure(): string | null {
    return this.broken;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

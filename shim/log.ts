// GPG_GATE_LOG: one JSON line per invocation. git hides its gpg helper's stderr, so this is how users debug.
import { appendFileSync } from 'node:fs';

export interface LogRecord {
  time: string;
  pid: number;
  ppid: number;
  argv: string[];
  classification: 'passthrough' | 'sign' | 'error' | null;
  commands?: string[];
  job?: string | null;
  sha256?: string | null;
  /** passthrough · proceed · refused · unsupervised-passthrough · error */
  decision: string | null;
  reason?: string;
  exit: number | null;
  signal?: string | null;
  durationMs: number;
}

const SECRET_OPTION = /^--passphrase(=|$)/;

/** argv with secrets replaced: the values at `secretIndexes`, and any `--passphrase=VALUE` as a backstop. */
export function redactArgv(argv: readonly string[], secretIndexes: readonly number[]): string[] {
  return argv.map((arg, i) => {
    if (secretIndexes.includes(i))
      return arg.startsWith('--') && arg.includes('=')
        ? `${arg.slice(0, arg.indexOf('=') + 1)}<redacted>`
        : '<redacted>';
    if (SECRET_OPTION.test(arg) && arg.includes('=')) return `${arg.slice(0, arg.indexOf('=') + 1)}<redacted>`;
    return arg;
  });
}

/** Appends one line with a single write (O_APPEND keeps concurrent writers' lines whole). Returns an error text. */
export function writeLog(path: string, record: LogRecord): string | null {
  try {
    appendFileSync(path, JSON.stringify(record) + '\n', { mode: 0o600 });
    return null;
  } catch (err) {
    return `cannot write GPG_GATE_LOG '${path}': ${(err as Error).message}`;
  }
}

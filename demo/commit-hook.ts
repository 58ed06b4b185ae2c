// The demo's commit step (--on-commit): the moment the upload becomes real. It records the commitment in a file that
// the demo reads afterwards, and says so. Exit 0 = committed.
import { appendFileSync, readFileSync } from 'node:fs';

export interface Commitment {
  job: string;
  attempt: number;
  argv: string[];
  sha256: string | null;
}

export function commitHook(record: string): number {
  const request = JSON.parse(readFileSync(0, 'utf8')) as { argv: string[]; sha256: string | null };
  const entry: Commitment = {
    job: process.env.GPG_GATE_JOB ?? '',
    attempt: Number(process.env.GPG_GATE_ATTEMPT),
    argv: request.argv,
    sha256: request.sha256,
  };
  appendFileSync(record, JSON.stringify(entry) + '\n');
  process.stderr.write(
    `  commit hook: hello-gate 1.0-1 is now being uploaded — version spent (job ${entry.job}, attempt ${entry.attempt})\n`,
  );
  return 0;
}

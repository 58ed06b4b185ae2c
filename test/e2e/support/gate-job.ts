// Runs one real job: `node dist/gpg-gate.js run` with a commit hook that records every call, GPG_GATE_LOG capturing
// every gpg invocation the command made, and a journal; then reads all three back for the test to judge.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogRecord } from '../../../shim/log.js';
import type { RecordedRequest, JobRecord } from '../../../harness/records.js';
import type { JobStatus } from '../../../harness/status.js';
import { CLI, readRecords } from '../../helpers/gate-run.js';
import { start, type RunResult } from '../../helpers/run.js';
import type { SigningSetup } from './signing-modes.js';

/** One call of the commit hook: the environment it was given and the request JSON on its stdin. */
export interface HookCall {
  job: string;
  attempt: number;
  request: RecordedRequest;
}

export interface JobRun extends RunResult {
  job: string;
  journal: string;
  records: JobRecord[];
  hookCalls: HookCall[];
  /** Every gpg invocation the command made through the shim, from GPG_GATE_LOG. */
  gpgCalls: LogRecord[];
  /** `gpg-gate status --journal` as the CLI prints it. */
  status: JobStatus;
}

export interface JobSpec {
  /** A fresh directory for the journal, the hook's record and the log (and the job's name). */
  dir: string;
  name: string;
  command: string[];
  cwd: string;
  setup: SigningSetup;
  /** Environment of the supervisor (and so of the command), GNUPGHOME excluded: the mode sets it. */
  env: NodeJS.ProcessEnv;
  /** stdin of the job: closed and empty (default), or an open pipe holding these bytes that is never closed. */
  stdinKeptOpenWith?: string;
  timeoutMs?: number;
}

// The hook is the operator's shell command; it appends one JSON line per call.
const HOOK = `#!/bin/sh
printf '{"job":"%s","attempt":%s,"request":%s}\\n' "$GPG_GATE_JOB" "$GPG_GATE_ATTEMPT" "$(cat)" >> "$1"
`;

const jsonLines = <T>(file: string): T[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as T)
    : [];

export function jobStatus(journal: string): JobStatus {
  return JSON.parse(
    execFileSync(process.execPath, [CLI, 'status', '--journal', journal], { encoding: 'utf8' }),
  ) as JobStatus;
}

export async function runJob(spec: JobSpec): Promise<JobRun> {
  const hook = join(spec.dir, `${spec.name}.hook.sh`);
  const hookLog = join(spec.dir, `${spec.name}.hook.jsonl`);
  const gpgLog = join(spec.dir, `${spec.name}.gpg-log.jsonl`);
  const journal = join(spec.dir, `${spec.name}.journal.jsonl`);
  const job = `e2e-${spec.name}`;
  writeFileSync(hook, HOOK, { mode: 0o755 });
  const args = [
    CLI,
    'run',
    ...spec.setup.runArgs,
    '--job',
    job,
    '--journal',
    journal,
    '--on-commit',
    `${hook} ${hookLog}`,
    '--',
    ...spec.command,
  ];
  const env = { ...spec.env, GNUPGHOME: spec.setup.commandHome.dir, GPG_GATE_LOG: gpgLog };
  const keepOpen = spec.stdinKeptOpenWith !== undefined;
  const running = start(process.execPath, args, {
    cwd: spec.cwd,
    env,
    keepStdinOpen: keepOpen,
    timeoutMs: spec.timeoutMs ?? 60_000,
  });
  if (keepOpen) running.child.stdin?.write(spec.stdinKeptOpenWith);
  let result: RunResult;
  try {
    result = await running.done;
  } finally {
    running.child.stdin?.destroy();
  }
  return {
    ...result,
    job,
    journal,
    records: readRecords(journal),
    hookCalls: jsonLines<HookCall>(hookLog),
    gpgCalls: jsonLines<LogRecord>(gpgLog),
    status: jobStatus(journal),
  };
}

/** The backends named by the job's sign-requests, in order: who made each signature. */
export function requestBackends(r: JobRun): string[] {
  return r.records.flatMap((e) =>
    e.event === 'sign-requested' && e.request.type === 'sign-request' ? [e.request.backend] : [],
  );
}

/** Shows a failed job's output in an assertion message. */
export function explain(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.toString()}\n--- stderr\n${r.stderr.toString()}`;
}

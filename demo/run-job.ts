// Runs one job of the demo through the real CLI: `gpg-gate run --on-commit HOOK --retries 2 -- node demo.js upload`,
// its timeline going straight to our stderr, and reads back what it left: exit status, `gpg-gate status`, journal,
// and the commit hook's record.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobRecord } from '../harness/records.js';
import type { JobStatus } from '../harness/status.js';
import type { Commitment } from './commit-hook.js';

export interface DemoPaths {
  /** node, dist/gpg-gate.js and dist/demo.js. */
  node: string;
  cli: string;
  self: string;
}

export interface JobResult {
  exitCode: number | null;
  status: JobStatus;
  records: JobRecord[];
  commitments: Commitment[];
  queue: string;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const jsonLines = <T>(file: string): T[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T)
    : [];

export async function runDemoJob(
  paths: DemoPaths,
  dir: string,
  job: string,
  env: NodeJS.ProcessEnv,
): Promise<JobResult> {
  const queue = join(dir, 'upload-queue');
  const work = join(dir, 'work');
  mkdirSync(queue, { recursive: true });
  mkdirSync(work, { recursive: true });
  const journal = join(dir, 'journal.jsonl');
  const record = join(dir, 'commitments.jsonl');
  const hook = [paths.node, paths.self, 'hook', record].map(shellQuote).join(' ');
  const args = [
    paths.cli,
    'run',
    '--on-commit',
    hook,
    '--retries',
    '2',
    '--retry-delay',
    '0.5',
    '--job',
    job,
    '--journal',
    journal,
    '--',
    paths.node,
    paths.self,
    'upload',
  ];
  const child = spawn(paths.node, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...env, DEMO_UPLOAD_QUEUE: queue, DEMO_WORK: work },
  });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const status = JSON.parse(
    execFileSync(paths.node, [paths.cli, 'status', '--journal', journal], { encoding: 'utf8', env }),
  ) as JobStatus;
  return {
    exitCode,
    status,
    records: jsonLines<JobRecord>(journal),
    commitments: jsonLines<Commitment>(record),
    queue,
  };
}

/** `gpg-gate run` again on an existing journal (a blind retry), with nothing else changed. */
export async function rerunDemoJob(paths: DemoPaths, dir: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  const hook = [paths.node, paths.self, 'hook', join(dir, 'commitments.jsonl')].map(shellQuote).join(' ');
  const args = [paths.cli, 'run', '--on-commit', hook, '--journal', join(dir, 'journal.jsonl')];
  const child = spawn(paths.node, [...args, '--', paths.node, paths.self, 'upload'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...env, DEMO_UPLOAD_QUEUE: join(dir, 'upload-queue'), DEMO_WORK: join(dir, 'work') },
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
}

// Runs a driver plan inside one supervised job (`gpg-gate run --auto-commit [RUN-OPTIONS]`) and reads back its
// samples.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { DriverPlan, PlannedCommand } from './driver.js';
import type { Rounds, Samples } from './interleave.js';
import type { Sample } from './timing.js';
import type { Workspace } from './workspace.js';

let jobs = 0;

export function runUnderGate(ws: Workspace, commands: PlannedCommand[], rounds: Rounds): Samples<Sample> {
  return runGatedJob(ws, commands, rounds).samples;
}

/**
 * The same with more `gpg-gate run` options (the agent gate's `--agent-gate --gnupghome …`); also gives the job's
 * journal, to check what the gate really saw.
 */
export function runGatedJob(
  ws: Workspace,
  commands: PlannedCommand[],
  rounds: Rounds,
  runOptions: readonly string[] = [],
): { samples: Samples<Sample>; journal: string } {
  const n = ++jobs;
  const plan: DriverPlan = { rounds, commands, out: ws.path(`driver-${n}.json`) };
  const planFile = ws.path(`plan-${n}.json`);
  const journal = ws.path(`driver-${n}.jsonl`);
  writeFileSync(planFile, JSON.stringify(plan));
  const r = spawnSync(
    process.execPath,
    [
      ws.cli,
      'run',
      '--quiet',
      '--auto-commit',
      ...runOptions,
      '--journal',
      journal,
      '--',
      process.execPath,
      ws.self,
      '--driver',
      planFile,
    ],
    { env: ws.env, stdio: ['ignore', 'inherit', 'pipe'] },
  );
  if (r.status !== 0)
    throw new Error(`gpg-gate run (bench driver) exited ${r.status ?? r.signal}: ${r.stderr.toString()}`);
  return { samples: JSON.parse(readFileSync(plan.out, 'utf8')) as Samples<Sample>, journal };
}

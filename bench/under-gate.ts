// Runs a driver plan inside one supervised job (`gpg-gate run --auto-commit`) and reads back its samples.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { DriverPlan, PlannedCommand } from './driver.js';
import type { Rounds, Samples } from './interleave.js';
import type { Sample } from './timing.js';
import type { Workspace } from './workspace.js';

let jobs = 0;

export function runUnderGate(ws: Workspace, commands: PlannedCommand[], rounds: Rounds): Samples<Sample> {
  const n = ++jobs;
  const plan: DriverPlan = { rounds, commands, out: ws.path(`driver-${n}.json`) };
  const planFile = ws.path(`plan-${n}.json`);
  writeFileSync(planFile, JSON.stringify(plan));
  const r = spawnSync(
    process.execPath,
    [
      ws.cli,
      'run',
      '--quiet',
      '--auto-commit',
      '--journal',
      ws.path(`driver-${n}.jsonl`),
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
  return JSON.parse(readFileSync(plan.out, 'utf8')) as Samples<Sample>;
}

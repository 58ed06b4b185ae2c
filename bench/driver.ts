// The inside of a supervised job: `gpg-gate run --auto-commit -- node dist/bench.js --driver PLAN` runs this, so
// that one warm supervisor serves every signing call and the shim-through-the-gate variants alternate with their
// baselines in the same process. It writes the samples to the plan's output file.
import { readFileSync, writeFileSync } from 'node:fs';
import { interleave, type Rounds } from './interleave.js';
import { timeCommand, type Sample } from './timing.js';

export interface PlannedCommand {
  name: string;
  file: string;
  args: string[];
  /** Environment changes against the job's own (which carries GPG_GATE_SOCKET and GPG_GATE_TOKEN). */
  unset?: string[];
  set?: Record<string, string>;
  /** Run as if outside any job: every GPG_GATE_* variable removed before `set` applies (the agent gate's baselines). */
  outsideJob?: boolean;
  rss?: boolean;
  cwd?: string;
}

export interface DriverPlan {
  rounds: Rounds;
  commands: PlannedCommand[];
  out: string;
}

function envFor(c: PlannedCommand): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (c.outsideJob) for (const k of Object.keys(env)) if (k.startsWith('GPG_GATE_')) delete env[k];
  Object.assign(env, c.set);
  for (const k of c.unset ?? []) delete env[k];
  return env;
}

export async function runDriver(planFile: string): Promise<void> {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as DriverPlan;
  if (!process.env.GPG_GATE_SOCKET) throw new Error('the bench driver must run under gpg-gate run');
  const samples = await interleave<Sample>(
    plan.commands.map((c) => ({
      name: c.name,
      run: () =>
        timeCommand(
          { file: c.file, args: c.args, env: envFor(c), ...(c.cwd ? { cwd: c.cwd } : {}) },
          { rss: c.rss ?? false },
        ),
    })),
    plan.rounds,
  );
  writeFileSync(plan.out, JSON.stringify(samples));
}

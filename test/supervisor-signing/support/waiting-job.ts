// A real `gpg-gate run --sign-in-supervisor` whose command only hands over its socket and token and then waits, so
// that a test can speak to the supervisor as any client could (the protocol client, or the shim run by hand).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readRecords, startGate, waitFor, type GateResult, type TempDir } from '../../helpers/gate-run.js';
import { cleanEnv } from '../../helpers/gnupg-home.js';
import type { JobRecord } from '../../../harness/records.js';
import type { SupervisorSetup } from './supervisor-setup.js';

export interface WaitingJob {
  socket: string;
  token: string;
  journal: string;
  records(): JobRecord[];
  /** The variables the shim needs to sign through this job. */
  shimEnv(): Record<string, string>;
  /** Lets the command exit and waits for `run` to end. */
  finish(): Promise<GateResult>;
}

const WAIT =
  'printf "%s\\n%s\\n" "$GPG_GATE_SOCKET" "$GPG_GATE_TOKEN" > env.tmp && mv env.tmp env; while [ ! -e release ]; do sleep 0.05; done';

export async function startWaitingJob(
  t: TempDir,
  supervisor: SupervisorSetup,
  options: string[] = ['--auto-commit'],
  env: NodeJS.ProcessEnv = cleanEnv(),
): Promise<WaitingJob> {
  const journal = t.path('journal.jsonl');
  const args = ['run', ...supervisor.runArgs, ...options, '--quiet', '--journal', journal, '--', 'sh', '-c', WAIT];
  const { done } = startGate(args, { cwd: t.dir, env });
  let exited: GateResult | null = null;
  void done.then((r) => (exited = r));
  await waitFor(() => existsSync(t.path('env')) || exited !== null, 20_000, 'the job to start');
  if (exited !== null) throw new Error(`gpg-gate run ended early: ${(exited as GateResult).stderr}`);
  const [socket, token] = readFileSync(t.path('env'), 'utf8').split('\n') as [string, string];
  return {
    socket,
    token,
    journal,
    records: () => readRecords(journal),
    shimEnv: () => ({
      GPG_GATE_SOCKET: socket,
      GPG_GATE_TOKEN: token,
      GPG_GATE_JOB: 'waiting-job',
      GPG_GATE_BACKEND: 'supervisor',
    }),
    finish() {
      writeFileSync(t.path('release'), '');
      return done;
    },
  };
}

// One `gpg-gate run --agent-gate --no-shim` job in its own temp directory, made to be killed and inspected: a key
// holder's GNUPGHOME whose agent logs every PKSIGN (agent-sign-log.ts), a commit hook that leaves markers (and may
// hold until released), the supervisor as a real process, and afterwards what really happened: the journal,
// `gpg-gate status`, the agent's PKSIGN count. (support/agent-job.ts runs whole jobs to their end instead.)
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseJournal } from '../../../harness/journal.js';
import type { JobRecord } from '../../../harness/records.js';
import type { JobStatus } from '../../../harness/status.js';
import { AgentSignLog } from '../../helpers/agent-sign-log.js';
import { runGate, startGate, tempDir, type GateResult, type TempDir } from '../../helpers/gate-run.js';
import { makeGnupgHome, type GnupgHome } from '../../helpers/gnupg-home.js';
import { cmdline, kill9, processesIn, quiesce } from '../../helpers/proc.js';

export interface AgentJobDir extends TempDir {
  keyHome: GnupgHome;
  log: AgentSignLog;
  fpr: string;
  journal: string;
  /** The environment the supervisor runs with: no GNUPGHOME of the caller, TMPDIR inside this directory. */
  env: NodeJS.ProcessEnv;
}

/** A fresh directory and key holder; `cleanup` kills everything still running in it and the key holder's agent. */
export function agentJobDir(prefix = 'gpg-gate-agent-test-'): AgentJobDir {
  const t = tempDir(prefix);
  const keyHome = makeGnupgHome(['ed25519']);
  const log = new AgentSignLog(keyHome.dir);
  // The proxy's 0700 directory and the job's GNUPGHOME go under TMPDIR: a killed supervisor leaves them here.
  mkdirSync(t.path('tmp'));
  const { GNUPGHOME: _home, ...env } = keyHome.env;
  return {
    ...t,
    keyHome,
    log,
    fpr: keyHome.keys.ed25519.fingerprint,
    journal: t.path('journal.jsonl'),
    env: { ...env, TMPDIR: t.path('tmp') },
    cleanup() {
      for (const pid of processesIn(t.dir)) kill9(pid);
      keyHome.cleanup();
      t.cleanup();
    },
  };
}

export interface HookOptions {
  /** Wait for DIR/hook.release before answering. */
  hold?: boolean;
  /** The hook's exit status (0 commits). */
  exit?: number;
}

/**
 * Writes DIR/hook.sh: records the agent's PKSIGN count when it starts (the gate's proof: none before the commit),
 * leaves hook.started and hook.committed markers.
 */
export function writeHook(j: AgentJobDir, options: HookOptions = {}): string {
  const exit = options.exit ?? 0;
  const path = j.path('hook.sh');
  writeFileSync(
    path,
    [
      'cat > hook.stdin',
      `grep -c '<- PKSIGN' ${j.log.path} > hook.pksigns-seen || true`,
      'touch hook.started',
      options.hold ? 'while [ ! -e hook.release ]; do sleep 0.01; done' : ':',
      exit === 0 ? 'touch hook.committed' : ':',
      `exit ${exit}`,
    ].join('\n') + '\n',
  );
  return `sh ${path}`;
}

/** The supervisor's argv for an agent-gate job in `j` running `command`. */
export function agentGateArgs(j: AgentJobDir, hook: string, command: string[]): string[] {
  return [
    'run',
    '--agent-gate',
    '--gnupghome',
    j.keyHome.dir,
    '--no-shim',
    '--on-commit',
    hook,
    '--journal',
    j.journal,
    '--',
    ...command,
  ];
}

export function startAgentJob(
  j: AgentJobDir,
  hook: string,
  command: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<GateResult> } {
  return startGate(agentGateArgs(j, hook, command), { cwd: j.dir, env: { ...j.env, ...env } });
}

export interface AfterJob {
  records: JobRecord[];
  status: JobStatus;
  /** PKSIGN commands the key holder's agent received since `mark`. */
  agentSignatures: number;
}

/** Waits until nothing of the job runs any more (orphans of a killed supervisor included), then reads what it left. */
export async function afterJob(j: AgentJobDir, mark: number): Promise<AfterJob> {
  const left = await quiesce(j.dir, 60_000);
  if (left.length > 0) throw new Error(`still running: ${left.map((p) => cmdline(p).join(' ')).join('; ')}`);
  const { records } = parseJournal(readFileSync(j.journal), j.journal);
  const s = await runGate(['status', '--journal', j.journal], { cwd: j.dir, env: j.env });
  if (s.code !== 0) throw new Error(`gpg-gate status: exit ${s.code}: ${s.stderr}`);
  return { records, status: JSON.parse(s.stdout) as JobStatus, agentSignatures: j.log.signaturesSince(mark) };
}

export function marker(j: AgentJobDir, name: string): boolean {
  return existsSync(j.path(name));
}

export function readText(j: AgentJobDir, name: string): string {
  return readFileSync(j.path(name), 'utf8').trim();
}

/** Index of the first record of `event` (-1 if none). */
export function indexOf(records: readonly JobRecord[], event: string): number {
  return records.findIndex((r) => r.event === event);
}

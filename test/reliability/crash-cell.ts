// One cell of the crash matrix: a real `gpg-gate run` whose command signs through the real shim and gpg, with fault
// points armed (GPG_GATE_TEST_FAULT), a participant SIGKILLed at a named step, and then everything that really
// happened collected: the journal, `gpg-gate status`, gpg-agent's PKSIGN log, the files, the hook's own markers.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJournal } from '../../harness/journal.js';
import type { JobRecord } from '../../harness/records.js';
import type { JobStatus } from '../../harness/status.js';
import { AgentSignLog } from '../helpers/agent-sign-log.js';
import { CLI, runGate } from '../helpers/gate-run.js';
import { FaultDir, type Fired } from '../helpers/fault-points.js';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { cmdline, kill9, processesIn, quiesce } from '../helpers/proc.js';
import { journalViolations, truthViolations, type WorldFacts } from './journal-truth.js';

export type Participant = 'shim' | 'child' | 'supervisor' | 'hook';

/**
 * commit: the hook commits, the command signs once · refuse: the hook exits 77 · transient: the hook exits 75 ·
 * resume: as commit, continuing a journal that failed before its commitment point · signal: SIGTERM reaches the
 * supervisor while the command runs · unreported: the shim dies after proceed (sign-unreported) · retry: attempt 1
 * fails before signing, attempt 2 commits and signs.
 */
export type Scenario = 'commit' | 'refuse' | 'transient' | 'resume' | 'signal' | 'unreported' | 'retry';

export interface Cell {
  scenario: Scenario;
  /** STEP:ACTION faults armed in the supervisor and, through its environment, the shim. */
  faults: string[];
  /** Wait for this pause ("hook": the hook's own hold) and SIGKILL `victim` there, then release everything. */
  pauseAt?: string;
  victim?: Participant;
  /** The fault step that must fire for the cell to count (default: the first fault's step). */
  mustFire?: string | null;
  /**
   * --agent-gate --no-shim: the command's unmodified gpg signs through the supervisor's proxy to the lane's agent
   * (then the supervisor is also the proxy, and there is no shim to kill).
   */
  agentGate?: boolean;
}

/** The journal events each scenario writes when nothing goes wrong (order aside: some of it races). */
export const SCENARIO_EVENTS: Record<Scenario, string[]> = {
  commit: [
    'job-started',
    'attempt-started',
    'child-started',
    'sign-requested',
    'commit-requested',
    'committed',
    'sign-approved',
    'signed',
    'child-exited',
    'attempt-ended',
    'job-ended',
  ],
  refuse: [
    'job-started',
    'attempt-started',
    'child-started',
    'sign-requested',
    'commit-requested',
    'commit-refused',
    'sign-refused',
    'child-exited',
    'attempt-ended',
    'job-ended',
  ],
  transient: [
    'job-started',
    'attempt-started',
    'child-started',
    'sign-requested',
    'commit-requested',
    'commit-failed',
    'sign-refused',
    'child-exited',
    'attempt-ended',
    'job-ended',
  ],
  resume: [
    ...['job-started', 'attempt-started', 'child-started', 'child-exited', 'attempt-ended', 'job-ended'],
    'job-resumed',
    'attempt-started',
    'child-started',
    'sign-requested',
    'commit-requested',
    'committed',
    'sign-approved',
    'signed',
    'child-exited',
    'attempt-ended',
    'job-ended',
  ],
  signal: [
    'job-started',
    'attempt-started',
    'child-started',
    'signal-forwarded',
    'child-exited',
    'attempt-ended',
    'job-ended',
  ],
  retry: [
    ...['job-started', 'attempt-started', 'child-started', 'child-exited', 'attempt-ended'],
    'attempt-started',
    'child-started',
    'sign-requested',
    'commit-requested',
    'committed',
    'sign-approved',
    'signed',
    'child-exited',
    'attempt-ended',
    'job-ended',
  ],
  unreported: [
    'job-started',
    'attempt-started',
    'child-started',
    'sign-requested',
    'commit-requested',
    'committed',
    'sign-approved',
    'sign-unreported',
    'child-exited',
    'attempt-ended',
    'job-ended',
  ],
};

/** Faults a scenario needs for itself (they are not what the cell tests). */
const SCENARIO_FAULTS: Partial<Record<Scenario, string[]>> = {
  signal: ['journal.after.child-started:pause'],
  unreported: ['shim.after-proceed:kill'],
};

/** What the cell observed (the world facts its invariants are checked against) and how it got there. */
export interface CellResult extends WorldFacts {
  records: JobRecord[];
  torn: boolean;
  fired: Fired[];
  /** Journal invariants and the truth of `status`; empty is a pass. */
  violations: string[];
  stderr: string;
}

/** A GnuPG home with its own agent whose PKSIGN log counts signatures. Cells on one lane run one at a time. */
export class Lane {
  readonly home: GnupgHome;
  readonly log: AgentSignLog;
  readonly fpr: string;

  constructor() {
    this.home = makeGnupgHome(['ed25519']);
    this.log = new AgentSignLog(this.home.dir);
    this.fpr = this.home.keys.ed25519.fingerprint;
  }

  cleanup(): void {
    this.home.cleanup();
  }
}

const HOOK_EXIT: Record<Scenario, string> = {
  commit: 'touch hook.committed; exit 0',
  resume: 'touch hook.committed; exit 0',
  signal: 'touch hook.committed; exit 0',
  unreported: 'touch hook.committed; exit 0',
  retry: 'touch hook.committed; exit 0',
  refuse: 'touch hook.refused; exit 77',
  transient: 'touch hook.transient; exit 75',
};

function writeScripts(dir: string, scenario: Scenario, fpr: string, holdHook: boolean): void {
  // The hook runs in the supervisor's working directory (this cell's). It may be told to hold until released.
  writeFileSync(
    join(dir, 'hook.sh'),
    [
      // The hook's process group (execa makes it a session): killing the hook kills all of it.
      "cut -d' ' -f5 /proc/$$/stat > hook.pgid",
      'cat > hook.stdin',
      'touch hook.started',
      holdHook ? 'while [ ! -e hook.release ]; do sleep 0.01; done' : ':',
      HOOK_EXIT[scenario],
    ].join('\n') + '\n',
  );
  // The command: several statements, so that sh stays the shim's parent (a last simple command would be exec'd).
  writeFileSync(
    join(dir, 'child.sh'),
    [
      'echo $$ > child.pid',
      // Waits for the SIGTERM; if that never comes (the supervisor died first), goes on once the supervisor is gone.
      scenario === 'signal' ? 'while [ ! -e child.go ]; do sleep 0.01; done' : ':',
      // The first attempt fails before its commitment point, and is retried.
      scenario === 'retry' ? '[ -e attempt-1 ] || { touch attempt-1; exit 4; }' : ':',
      `gpg --detach-sign --armor -u ${fpr} data`,
      'echo $? > child.exit',
    ].join('\n') + '\n',
  );
}

function pidFile(dir: string, name: string): number | null {
  try {
    const n = Number(readFileSync(join(dir, name), 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

function shimPid(dir: string): number | null {
  return processesIn(dir).find((pid) => (cmdline(pid)[1] ?? '').endsWith('/shim/gpg')) ?? null;
}

/** SIGKILLs the participant; throws if it is not there to be killed (the cell would prove nothing). */
function killParticipant(dir: string, who: Participant, supervisor: number): void {
  const target: Record<Participant, () => number | null> = {
    supervisor: () => supervisor,
    child: () => pidFile(dir, 'child.pid'),
    shim: () => shimPid(dir),
    // The hook is its own session and process group: all of it.
    hook: () => {
      const group = pidFile(dir, 'hook.pgid');
      return group === null ? null : -group;
    },
  };
  const pid = target[who]();
  if (pid === null) throw new Error(`no ${who} to kill`);
  process.kill(pid, 'SIGKILL');
}

/** Runs one cell on `lane` and returns what happened. Cleans up after itself. */
export async function runCell(lane: Lane, cell: Cell): Promise<CellResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-cell-'));
  try {
    mkdirSync(join(dir, 'tmp'));
    const faults = new FaultDir(join(dir, 'faults'));
    writeFileSync(join(dir, 'data'), `payload of ${dir}\n`);
    writeScripts(dir, cell.scenario, lane.fpr, cell.pauseAt === 'hook');
    const journal = join(dir, 'journal.jsonl');
    // Spools and the socket directory go under the cell, so that a killed process leaves nothing elsewhere.
    const env = { ...lane.home.env, TMPDIR: join(dir, 'tmp') };
    if (cell.scenario === 'resume') {
      const first = await runGate(['run', '--journal', journal, '--auto-commit', '--', 'false'], { cwd: dir, env });
      if (first.code !== 75) throw new Error(`resume set-up: exit ${first.code}: ${first.stderr}`);
    }
    const mark = lane.log.mark();
    const armed = [...(SCENARIO_FAULTS[cell.scenario] ?? []), ...cell.faults];
    const gate = spawn(
      process.execPath,
      [
        CLI,
        'run',
        '--journal',
        journal,
        ...(cell.scenario === 'retry' ? ['--retries', '1', '--retry-delay', '0'] : []),
        ...(cell.agentGate ? ['--agent-gate', '--gnupghome', lane.home.dir, '--no-shim'] : []),
        '--on-commit',
        `sh ${join(dir, 'hook.sh')}`,
        '--',
        'sh',
        join(dir, 'child.sh'),
      ],
      { cwd: dir, env: { ...env, ...faults.env(armed) }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    gate.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // `exit`, not `close`: orphans of a killed supervisor may hold its stderr open.
    let runExit: number | null | undefined;
    const exited = new Promise<void>((resolve) =>
      gate.once('exit', (code) => {
        runExit = code;
        resolve();
      }),
    );
    const supervisor = gate.pid ?? 0;
    const gone = () => runExit !== undefined;

    if (cell.scenario === 'signal') {
      // The scenario's own step: SIGTERM while the command runs, delivered once the supervisor goes on. If the
      // child-started write failed (so that step never comes), SIGTERM as soon as the command runs.
      const unjournaled = () => faults.fired().some((f) => f.step === 'journal.before.child-started');
      const paused = await faults.waitFor('journal.after.child-started', 90_000, () => gone() || unjournaled());
      if (paused?.action === 'pause') {
        process.kill(supervisor, 'SIGTERM');
        faults.releaseAll();
      } else if (paused === null && !gone() && (await waitForFile(join(dir, 'child.pid'), gone))) {
        signalIfAlive(supervisor, 'SIGTERM');
      }
    }
    if (cell.pauseAt !== undefined) {
      const reached =
        cell.pauseAt === 'hook'
          ? await waitForFile(join(dir, 'hook.started'), gone)
          : (await faults.waitFor(cell.pauseAt, 90_000, gone)) !== null;
      if (!reached) throw new Error(`the cell ended before ${cell.pauseAt}: ${stderr}`);
      if (cell.victim) killParticipant(dir, cell.victim, supervisor);
    }
    // Let everything that still lives go on: paused processes, a held hook, then a command still waiting.
    writeFileSync(join(dir, 'hook.release'), '');
    faults.releaseAll();
    await withTimeout(exited, 90_000, `gpg-gate run of ${JSON.stringify(cell)}`);
    writeFileSync(join(dir, 'child.go'), '');
    const left = await quiesce(dir, 60_000);
    if (left.length > 0)
      throw new Error(`processes left in ${dir}: ${left.map((p) => cmdline(p).join(' ')).join('; ')}`);

    const { records, torn } = parseJournal(readFileSync(journal), journal);
    const status = await runGate(['status', '--journal', journal], { cwd: dir, env });
    if (status.code !== 0) throw new Error(`gpg-gate status failed: ${status.stderr}`);
    const parsed = JSON.parse(status.stdout) as JobStatus;
    const facts = {
      records,
      status: parsed,
      runExit: runExit ?? null,
      agentSignatures: lane.log.signaturesSince(mark),
      outputs: existsSync(join(dir, 'data.asc')) ? 1 : 0,
      hookStarted: existsSync(join(dir, 'hook.started')),
      hookCommitted: existsSync(join(dir, 'hook.committed')),
      hookTransient: existsSync(join(dir, 'hook.transient')),
      hookRefused: existsSync(join(dir, 'hook.refused')),
    };
    const fired = faults.fired();
    const violations = [...journalViolations(records), ...truthViolations(facts)];
    const mustFire = cell.mustFire === undefined ? cell.faults[0]?.split(':')[0] : cell.mustFire;
    if (mustFire && !fired.some((f) => f.step === mustFire)) violations.push(`the fault at ${mustFire} never fired`);
    if (torn !== parsed.tornTail) violations.push(`status says tornTail ${parsed.tornTail}, the file ${torn}`);
    return { ...facts, records, torn, fired, violations, stderr };
  } finally {
    for (const pid of processesIn(dir)) kill9(pid);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sends `signal` unless the process is already gone (a fault may have killed it a moment ago). */
function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone.
  }
}

async function waitForFile(path: string, stop: () => boolean, timeoutMs = 90_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (stop() || Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short name for a cell, for test titles and the printed table. */
export function cellName(cell: Cell): string {
  const faults = cell.faults.join('+') || 'no fault';
  const kill = cell.pauseAt ? ` · kill ${cell.victim ?? 'nobody'} at ${cell.pauseAt}` : '';
  return `${cell.scenario}${cell.agentGate ? ' (agent gate)' : ''}: ${faults}${kill}`;
}

// `gpg-gate run`: one job. Runs the command (attempt after attempt while failures happen before the commitment
// point), serves its signing requests, performs the commit step once at the first of them, and journals every step
// before acting on it.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { AgentGate, PksignRequest, PksignTicket } from '../agent-gate/agent-proxy.js';
import { ProtocolError } from '../protocol/errors.js';
import { isHeldBack, type SignalState } from '../common/signal-state.js';
import type { SignRequest } from '../protocol/messages.js';
import type { CommitStep, CommitVerdict } from './commit-step.js';
import { NOT_ASKED, continuationRefusal, jobResult, retriable, type CommitState } from './commit-state.js';
import { HarnessError, describeError } from './harness-error.js';
import { Journal, readJournal, type JournalContents } from './journal.js';
import { lockJournal } from './journal-lock.js';
import { identify } from './liveness.js';
import type { EventLine, JobOptionsRecord, JournalBody, Outcome, RecordedRequest } from './records.js';
import { RECORD_VERSION } from './records.js';
import { openAgentGate, type OpenAgentGate } from './agent-gate.js';
import { Attempt } from './attempt.js';
import { runCommand, type CommandExit } from './command.js';
import { GateServer, type GateHandler, type GateSession } from './server.js';
import { Session, type SessionHost } from './session.js';
import { refusalFor } from './signer/request-check.js';
import type { Signer, SignerDescription } from './signer/signer.js';
import { prepareSocket } from './socket-location.js';
import { SupervisorSigning } from './supervisor-signing.js';
import { deriveStatus } from './status.js';
import { TokenTable } from './tokens.js';

export interface JobOptions {
  command: string[];
  job: string;
  /** --job was given explicitly (a journal with another job id is then refused). */
  jobExplicit: boolean;
  journal: string;
  commit: CommitStep;
  onCommit: string | null;
  retries: number;
  retryDelayMs: number;
  commitTimeoutMs: number;
  socket: string | null;
  shimDir: string;
  eventsFd: number | null;
  decisionsFd: number | null;
  /** --sign-in-supervisor: the supervisor's signer (the command gets GPG_GATE_BACKEND=supervisor); null otherwise. */
  signer?: { signer: Signer; description: SignerDescription } | null;
  /** --agent-gate: the key holder's GNUPGHOME, and whether the shim is still put on PATH (--no-shim: not). */
  agentGate: { keyHome: string; shim: boolean } | null;
  /** Receives every event after it is journaled (events descriptor, timeline, JSON). */
  announce: (line: EventLine) => void;
  /** Diagnostics that are not events. */
  note: (text: string) => void;
  /** What our caller blocked and ignored: the command gets it too, and the supervisor does not act on it. */
  signals: SignalState;
}

interface JournalPlan {
  contents: JournalContents;
  resumed: Outcome | null;
  attempts: number;
}

export interface JobResult {
  outcome: Outcome;
  exitCode: number;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

export class Job implements GateHandler, SessionHost, AgentGate {
  job: string;
  private agentGate: OpenAgentGate | null = null;
  /** Set once the journal is open; events before that (a signal during start-up) are not recorded. */
  private journal: Journal | null = null;
  private server: GateServer | null = null;
  private readonly tokens = new TokenTable();
  private attempt: Attempt | null = null;
  private attemptCount = 0;
  private signatureCount = 0;
  /** The commit step's last word ("committed" holds in memory even if journaling it then failed). */
  private commit: CommitState = NOT_ASKED;
  private commitPromise: Promise<CommitVerdict> | null = null;
  private childPid: number | null = null;
  private signalled = false;
  private wakeDelay: (() => void) | null = null;
  /** Request ids used in this job: the journal and `status` tell requests apart by id. */
  private readonly requestIds = new Set<string>();

  constructor(private readonly options: JobOptions) {
    this.job = options.job;
  }

  /** Journals an event durably, then announces it. Throws HarnessError('journal'). */
  private record(body: JournalBody): void {
    this.recordAll([body]);
  }

  /** Journals events that guard the same action with one write and one fsync, then announces them. */
  private recordAll(bodies: readonly JournalBody[]): void {
    const journal = this.journal;
    if (journal === null) throw new HarnessError('journal', 'the journal is not open yet');
    const firstFailure = journal.failure === null;
    let lines: EventLine[];
    try {
      lines = journal.appendAll(bodies);
    } catch (err) {
      if (firstFailure) {
        this.options.announce({
          v: RECORD_VERSION,
          time: new Date().toISOString(),
          job: this.job,
          event: 'journal-failed',
          message: describeError(err),
        });
      }
      throw err;
    }
    for (const line of lines) this.options.announce(line);
  }

  /** Journals an event whose failure changes nothing we could still do (the journal is then broken for good). */
  private recordBestEffort(body: JournalBody): void {
    try {
      this.record(body);
    } catch {
      // Already announced as journal-failed; later approvals fail closed on their own writes.
    }
  }

  /**
   * Reads the (locked) journal, writing nothing: refuses one whose job may not be continued, before anything else is
   * set up (so that such a refusal is never reported as a start-up failure with exit 75). An empty journal — new, or
   * whose first write never completed — starts the job afresh.
   */
  private inspectJournal(): JournalPlan {
    const path = this.options.journal;
    let contents;
    try {
      contents = readJournal(path);
    } catch (err) {
      // Not knowing what the journal says is not knowing that nothing was committed.
      throw new HarnessError('refused', describeError(err), { cause: err });
    }
    const status = deriveStatus(contents.records);
    const refusal = continuationRefusal(status);
    if (refusal !== null) {
      throw new HarnessError(
        'refused',
        `the journal ${path} says ${refusal}; only a job that committed nothing is continued`,
      );
    }
    if (status.job !== null && status.job !== this.job) {
      if (this.options.jobExplicit) {
        throw new HarnessError('usage', `the journal ${path} belongs to job ${status.job}, not ${this.job}`);
      }
      this.job = status.job;
    }
    return { contents, resumed: contents.records.length === 0 ? null : status.outcome, attempts: status.attempts };
  }

  async run(): Promise<JobResult> {
    const lock = lockJournal(this.options.journal);
    try {
      return await this.runLocked();
    } finally {
      // A job that could not start (refused socket, say) leaves no journal it created behind.
      lock.release(this.journal === null);
    }
  }

  private async runLocked(): Promise<JobResult> {
    const plan = this.inspectJournal();
    for (const r of plan.contents.records) if (r.event === 'sign-requested') this.requestIds.add(r.id);
    this.attemptCount = plan.attempts;
    const stopSignals = this.trapSignals();
    let opened: Journal | null = null;
    try {
      const location = await prepareSocket(this.options.socket);
      this.server = await GateServer.listen({ location, tokens: this.tokens, handler: this });
      if (this.options.agentGate) this.agentGate = await openAgentGate(this.options.agentGate.keyHome, this);
      const path = this.options.journal;
      opened = Journal.continue(path, this.job, plan.contents);
      this.journal = opened;
      const resumed = plan.resumed;
      const started = {
        supervisor: identify(),
        command: this.options.command,
        cwd: process.cwd(),
        options: this.optionsRecord(location.path),
      };
      this.record(
        resumed === null
          ? { event: 'job-started', ...started }
          : { event: 'job-resumed', previousOutcome: resumed, ...started },
      );
      const result = await this.attempts();
      this.recordBestEffort({
        event: 'job-ended',
        outcome: result.outcome,
        exitCode: result.exitCode,
        attempts: this.attemptCount,
        signatures: this.signatureCount,
      });
      return result;
    } finally {
      stopSignals();
      await this.agentGate?.close();
      await this.server?.close();
      opened?.close();
    }
  }

  private optionsRecord(socket: string): JobOptionsRecord {
    const o = this.options;
    return {
      commit: o.commit.method,
      onCommit: o.onCommit,
      retries: o.retries,
      retryDelaySeconds: o.retryDelayMs / 1000,
      commitTimeoutSeconds: o.commitTimeoutMs / 1000,
      socket,
      journal: o.journal,
      eventsFd: o.eventsFd,
      decisionsFd: o.decisionsFd,
      ...(o.signer ? { signer: o.signer.description } : {}),
      ...(this.agentGate && o.agentGate
        ? {
            agentGate: {
              keyHome: this.agentGate.keyHome,
              proxySocket: this.agentGate.proxySocket,
              jobHome: this.agentGate.jobHome,
              shim: o.agentGate.shim,
            },
          }
        : {}),
    };
  }

  private async attempts(): Promise<JobResult> {
    for (let retriesLeft = this.options.retries, delay = this.options.retryDelayMs; ; retriesLeft--, delay *= 2) {
      // A signal that came during start-up or between attempts: no (further) attempt.
      if (this.signalled) return jobResult(this.commit, { failed: true, exitCode: null, signal: null });
      const a = new Attempt(++this.attemptCount);
      this.attempt = a;
      // A transient verdict committed nothing: the next attempt asks again.
      if (this.commit.kind !== 'committed') this.commitPromise = null;
      try {
        this.record({ event: 'attempt-started', attempt: a.n });
      } catch {
        // The journal failed before the command ran: whatever this attempt would have been, it did not happen.
        return jobResult(this.commit, { failed: true, exitCode: null, signal: null });
      }
      const exit = await this.runChild(a, this.tokens.issue(a.n));
      a.childExited = true;
      this.recordBestEffort({ event: 'child-exited', attempt: a.n, exitCode: exit.exitCode, signal: exit.signal });
      a.settle();
      await a.done;

      const journalFailed = this.journal?.failure != null;
      const failed = exit.exitCode !== 0 || a.aborted !== null || journalFailed;
      const signal = exit.signal === null ? null : (constants.signals[exit.signal as NodeJS.Signals] ?? 0);
      const result = jobResult(this.commit, { failed, exitCode: exit.exitCode, signal });
      const retry = failed && retriable(this.commit) && retriesLeft > 0 && !this.signalled && !journalFailed;
      this.recordBestEffort({
        event: 'attempt-ended',
        attempt: a.n,
        failed,
        retry,
        retryDelaySeconds: retry ? delay / 1000 : null,
      });
      if (!retry) return result;
      await this.sleep(delay);
    }
  }

  /** Runs COMMAND once: no shell, stdio inherited, the shim first on PATH, the GPG_GATE_* variables set. */
  private async runChild(a: Attempt, token: string): Promise<CommandExit> {
    const [file, ...args] = this.options.command;
    if (file === undefined) throw new HarnessError('usage', 'no command to run');
    const spec = {
      file,
      args,
      shimDir: this.options.shimDir,
      socket: this.server?.path ?? '',
      token,
      job: this.job,
      supervisorSigns: this.options.signer != null,
      shim: this.options.agentGate?.shim ?? true,
      agentGate: this.agentGate && { home: this.agentGate.jobHome, proxySocket: this.agentGate.proxySocket },
      signals: this.options.signals,
    };
    const exit = await runCommand(
      spec,
      (pid) => {
        this.childPid = pid;
        this.recordBestEffort({ event: 'child-started', attempt: a.n, pid });
      },
      this.options.note,
    );
    this.childPid = null;
    return exit;
  }

  /** Waits between attempts; a forwarded signal cuts the wait short. */
  private sleep(ms: number): Promise<void> {
    if (this.signalled) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeDelay = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeDelay = done;
    });
  }

  /**
   * Forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT to the command (recording it first); after one, no further attempt starts.
   * A signal our caller blocked or ignored is neither forwarded nor fatal: the command has it blocked or ignored too.
   */
  private trapSignals(): () => void {
    const handler = (signal: NodeJS.Signals) => {
      if (isHeldBack(this.options.signals, constants.signals[signal])) return;
      this.signalled = true;
      const pid = this.childPid;
      this.recordBestEffort({ event: 'signal-forwarded', attempt: this.attempt?.n ?? null, signal, pid });
      if (pid !== null) {
        try {
          process.kill(pid, signal);
        } catch {
          // It has just exited.
        }
      }
      this.wakeDelay?.();
    };
    for (const s of SIGNALS) process.on(s, handler);
    return () => {
      for (const s of SIGNALS) process.off(s, handler);
    };
  }

  // ---- GateHandler: the server hands us authenticated requests ----

  open(request: SignRequest, attemptNumber: number): GateSession | null {
    const a = this.attempt;
    if (a === null || a.n !== attemptNumber || a.over) return null;
    // A replayed id would merge two requests in the record; refused before anything is journaled.
    if (this.requestIds.has(request.id))
      throw new ProtocolError('bad-message', 'sign-request.id: already used in this job');
    this.requestIds.add(request.id);
    a.inflight += 1;
    return Session.forShim(this, a, request);
  }

  /** Why this job will not serve the request at all (its backend, or what it asks the supervisor to sign). */
  unfitRequest(request: SignRequest): string | null {
    if (this.agentGate !== null && request.backend !== 'gnupg') {
      return `the agent gate signs with the real gpg (backend gnupg), not backend ${request.backend}`;
    }
    return refusalFor(request, this.options.signer != null);
  }

  // ---- AgentGate: the proxy hands us each PKSIGN and each refused command ----

  async pksign(request: PksignRequest, isOpen: () => boolean): Promise<PksignTicket> {
    const a = this.attempt;
    if (a === null || a.over) {
      const why = 'no attempt of this job is running';
      this.refused(request.connection, 'PKSIGN', why);
      const nothing = () => undefined;
      return { proceed: false, reason: why, done: nothing, lost: nothing, withdrawn: nothing, finish: nothing };
    }
    let id: string;
    do id = `agent-${randomBytes(8).toString('hex')}`;
    while (this.requestIds.has(id));
    this.requestIds.add(id);
    a.inflight += 1;
    const session = new Session(this, a, id, { v: 1, type: 'agent-pksign', ...request }, null);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      session.finish();
    };
    let decision;
    try {
      decision = await session.decide(isOpen);
    } catch (err) {
      finish();
      throw err;
    }
    return {
      proceed: decision.decision === 'proceed',
      reason: decision.reason,
      done: (o) => session.agentResult(o),
      lost: (reason) => session.lost(reason),
      withdrawn: (reason) => session.withdrawn(reason),
      finish,
    };
  }

  refused(connection: number, command: string, why: string): void {
    this.recordBestEffort({ event: 'agent-refused', attempt: this.attempt?.n ?? null, connection, command, why });
  }

  note(text: string): void {
    this.options.note(text);
  }

  /** The supervisor's part for a request it signs itself (--sign-in-supervisor), else undefined. */
  supervisorSigning(a: Attempt, request: SignRequest): SupervisorSigning | undefined {
    const signer = this.options.signer?.signer;
    return signer ? new SupervisorSigning(this, a.n, request, signer) : undefined;
  }

  onClientError(code: string, message: string): void {
    this.options.note(`rejected a client: ${code} (${message})`);
  }

  /** The commit step, performed at most once per attempt and never again once committed. */
  commitOnce(a: Attempt, id: string, request: RecordedRequest): Promise<CommitVerdict> {
    this.commitPromise ??= this.performCommit(a, id, request);
    return this.commitPromise;
  }

  private async performCommit(a: Attempt, id: string, request: RecordedRequest): Promise<CommitVerdict> {
    const step = this.options.commit;
    try {
      this.record({ event: 'commit-requested', attempt: a.n, id, method: step.method });
    } catch (err) {
      // The step never ran: nothing was committed, but nothing more can be journaled either.
      a.aborted = `the journal failed before the commit step: ${describeError(err)}`;
      return { kind: 'error', exitCode: null, signal: null, message: a.aborted, durationMs: 0 };
    }
    let verdict: CommitVerdict;
    try {
      verdict = await step.run({ job: this.job, attempt: a.n, id, request }, this.options.commitTimeoutMs);
    } catch (err) {
      verdict = { kind: 'error', exitCode: null, signal: null, message: describeError(err), durationMs: 0 };
    }
    const common = { attempt: a.n, method: step.method, durationMs: verdict.durationMs, exitCode: verdict.exitCode };
    if (verdict.kind === 'committed') {
      this.commit = { kind: 'committed' };
      try {
        this.record({ event: 'committed', ...common });
      } catch (err) {
        a.aborted = `committed, but the journal failed: ${describeError(err)}`;
        return { ...verdict, kind: 'error', message: a.aborted };
      }
      return verdict;
    }
    a.aborted = verdict.message;
    this.commit =
      verdict.kind === 'timeout' || verdict.kind === 'error'
        ? { kind: 'unknown', why: verdict.message }
        : { kind: verdict.kind };
    if (verdict.kind === 'refused') {
      this.recordBestEffort({ event: 'commit-refused', ...common, reason: 'refused', message: verdict.message });
    } else {
      this.recordBestEffort({
        event: 'commit-failed',
        ...common,
        reason: verdict.kind,
        signal: verdict.signal,
        message: verdict.message,
      });
    }
    return verdict;
  }

  isCommitted(): boolean {
    return this.commit.kind === 'committed';
  }

  countSignature(source: 'shim' | 'agent'): void {
    // Under the agent gate every signature is a PKSIGN: the shim's report of the same one is not counted again.
    if (this.agentGate !== null && source === 'shim') return;
    this.signatureCount += 1;
  }

  journalEvent(body: JournalBody): void {
    this.record(body);
  }

  journalEvents(bodies: readonly JournalBody[]): void {
    this.recordAll(bodies);
  }

  journalEventBestEffort(body: JournalBody): void {
    this.recordBestEffort(body);
  }
}

// The policy for one signing request, from sign-request to its result: journal the request, refuse what this attempt
// may not sign, reach the commit step (once per job) before any approval, journal the approval before "proceed", and
// journal the result or its loss. The job (job.ts) is its host: the journal, the commit step and the signer.
import { createHash } from 'node:crypto';
import type { SignRequest, SignResult } from '../protocol/messages.js';
import type { Attempt } from './attempt.js';
import type { CommitVerdict } from './commit-step.js';
import { describeError } from './harness-error.js';
import type { JournalBody, RecordedRequest } from './records.js';
import type { GateSession, SessionDecision } from './server.js';
import type { SupervisorSigning } from './supervisor-signing.js';

export interface SessionHost {
  isCommitted(): boolean;
  /** The commit step, performed at most once per attempt and never again once committed. */
  commitOnce(a: Attempt, id: string, request: RecordedRequest): Promise<CommitVerdict>;
  /** Why this job will not serve the request at all (its backend, or what it asks the supervisor to sign). */
  unfitRequest(request: SignRequest): string | null;
  supervisorSigning(a: Attempt, request: SignRequest): SupervisorSigning | undefined;
  countSignature(): void;
  /** Durably, or throws: whatever the record guards must not happen. */
  journalEvents(bodies: readonly JournalBody[]): void;
  journalEventBestEffort(body: JournalBody): void;
}

export function withoutToken(request: SignRequest): RecordedRequest {
  const { token: _token, ...rest } = request;
  return rest;
}

export class Session implements GateSession {
  private readonly recorded: RecordedRequest;
  readonly payload: SupervisorSigning | undefined;

  constructor(
    private readonly host: SessionHost,
    private readonly a: Attempt,
    private readonly request: SignRequest,
  ) {
    this.recorded = withoutToken(request);
    this.payload = request.payload ? host.supervisorSigning(a, request) : undefined;
  }

  private refuse(reason: string): SessionDecision {
    this.host.journalEventBestEffort({ event: 'sign-refused', attempt: this.a.n, id: this.request.id, reason });
    return { decision: 'abort', reason };
  }

  /** Journals `bodies` (one write, one fsync), then says proceed; a journal that fails means abort. */
  private approve(bodies: readonly JournalBody[]): SessionDecision {
    try {
      this.host.journalEvents(bodies);
    } catch (err) {
      return { decision: 'abort', reason: `the supervisor cannot journal: ${describeError(err)}` };
    }
    return { decision: 'proceed', reason: 'committed' };
  }

  /** Why this request may not be signed whatever the commit step says: an aborted attempt, or an unfit request. */
  private standingRefusal(): string | null {
    const aborted = this.a.abortReason();
    if (aborted !== null) return `this attempt was aborted: ${aborted}`;
    return this.host.unfitRequest(this.request);
  }

  async decide(isOpen: () => boolean): Promise<SessionDecision> {
    const { a, request, recorded } = this;
    const requestSha256 = createHash('sha256').update(JSON.stringify(recorded)).digest('hex');
    const requested: JournalBody = {
      event: 'sign-requested',
      attempt: a.n,
      id: request.id,
      request: recorded,
      requestSha256,
    };
    const approved: JournalBody = { event: 'sign-approved', attempt: a.n, id: request.id };
    // Already committed and nothing to refuse: between the request and its approval nothing happens outside this
    // process, so both records guard the same proceed and share one write and one fsync.
    if (this.host.isCommitted() && this.standingRefusal() === null && isOpen())
      return this.approve([requested, approved]);
    try {
      this.host.journalEvents([requested]);
    } catch (err) {
      return { decision: 'abort', reason: `the supervisor cannot journal: ${describeError(err)}` };
    }
    const before = this.standingRefusal();
    if (before !== null) return this.refuse(before);
    if (!this.host.isCommitted()) {
      // A requester already gone (the link dropped) must not be the reason a commitment is made.
      if (!isOpen()) return this.refuse('the client left before the commit step');
      const verdict = await this.host.commitOnce(a, request.id, recorded);
      if (verdict.kind !== 'committed') return this.refuse(`commit step: ${verdict.message}`);
    }
    // Another request's commit step may have aborted the attempt while this one waited.
    const after = a.abortReason();
    if (after !== null) return this.refuse(`this attempt was aborted: ${after}`);
    if (!isOpen()) return this.refuse('the client left before the decision');
    return this.approve([approved]);
  }

  result(result: SignResult): void {
    // Signed in the supervisor: `signed` was recorded, with the supervisor's own digest, before the output left it.
    if (this.payload) return;
    const { v: _v, type: _type, ...fields } = result;
    this.host.journalEvents([{ event: 'signed', attempt: this.a.n, ...fields }]);
    if (result.exit === 0) this.host.countSignature();
  }

  lost(reason: string): void {
    // Signed in the supervisor, nothing can be lost: either `signed` is on record, or no signature left it.
    if (this.payload) {
      if (!this.payload.released) this.payload.refused(reason);
      return;
    }
    this.host.journalEventBestEffort({ event: 'sign-unreported', attempt: this.a.n, id: this.request.id, reason });
  }

  finish(): void {
    this.a.inflight -= 1;
    this.a.settle();
  }
}

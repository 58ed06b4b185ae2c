// The policy for one signing request, from sign-request to its result: journal the request, refuse what this attempt
// may not sign, reach the commit step (once per job) before any approval, journal the approval before "proceed", and
// journal the result or its loss. The job (job.ts) is its host: the journal, the commit step and the signer. A request
// is a shim's sign-request or a PKSIGN held by the agent gate; both take the same path.
import { createHash } from 'node:crypto';
import type { PksignOutcome } from '../agent-gate/agent-proxy.js';
import type { SignRequest, SignResult } from '../protocol/messages.js';
import type { Attempt } from './attempt.js';
import type { CommitVerdict } from './commit-step.js';
import { describeError } from './harness-error.js';
import type { JournalBody, RecordedRequest, ShimRequest } from './records.js';
import type { GateSession, SessionDecision } from './server.js';
import type { SupervisorSigning } from './supervisor-signing.js';

export interface SessionHost {
  isCommitted(): boolean;
  /** The commit step, performed at most once per attempt and never again once committed. */
  commitOnce(a: Attempt, id: string, request: RecordedRequest): Promise<CommitVerdict>;
  /** Why this job will not serve the request at all (its backend, or what it asks the supervisor to sign). */
  unfitRequest(request: SignRequest): string | null;
  supervisorSigning(a: Attempt, request: SignRequest): SupervisorSigning | undefined;
  /** A signature was made: by a shim's gpg, or (source agent) in the key holder's agent. */
  countSignature(source: 'shim' | 'agent'): void;
  /** Durably, or throws: whatever the record guards must not happen. */
  journalEvents(bodies: readonly JournalBody[]): void;
  journalEventBestEffort(body: JournalBody): void;
}

export function withoutToken(request: SignRequest): ShimRequest {
  const { token: _token, ...rest } = request;
  return rest;
}

export class Session implements GateSession {
  readonly payload: SupervisorSigning | undefined;

  /** `shim`: the shim's request (null for the agent gate's PKSIGN, recorded as it is). */
  constructor(
    private readonly host: SessionHost,
    private readonly a: Attempt,
    private readonly id: string,
    private readonly recorded: RecordedRequest,
    private readonly shim: SignRequest | null,
  ) {
    this.payload = shim?.payload ? host.supervisorSigning(a, shim) : undefined;
  }

  static forShim(host: SessionHost, a: Attempt, request: SignRequest): Session {
    return new Session(host, a, request.id, withoutToken(request), request);
  }

  private refuse(reason: string): SessionDecision {
    this.host.journalEventBestEffort({ event: 'sign-refused', attempt: this.a.n, id: this.id, reason });
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
    return this.shim === null ? null : this.host.unfitRequest(this.shim);
  }

  async decide(isOpen: () => boolean): Promise<SessionDecision> {
    const { a, id, recorded } = this;
    const requestSha256 = createHash('sha256').update(JSON.stringify(recorded)).digest('hex');
    const requested: JournalBody = { event: 'sign-requested', attempt: a.n, id, request: recorded, requestSha256 };
    const approved: JournalBody = { event: 'sign-approved', attempt: a.n, id };
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
      const verdict = await this.host.commitOnce(a, id, recorded);
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
    if (result.exit === 0) this.host.countSignature('shim');
  }

  /** The agent's answer to a PKSIGN this session let through: the signature's digest, or the agent's ERR line. */
  agentResult(o: PksignOutcome): void {
    this.host.journalEventBestEffort({
      event: 'signed',
      attempt: this.a.n,
      id: this.id,
      exit: o.ok ? 0 : 2,
      signal: null,
      outputSha256: o.signatureSha256,
      outputSize: o.signatureSize,
      ...(o.error === null ? {} : { agentError: o.error }),
    });
    if (o.ok) this.host.countSignature('agent');
  }

  /** Approved, but the client left before PKSIGN was sent: no signature was made. */
  withdrawn(reason: string): void {
    this.refuse(reason);
  }

  lost(reason: string): void {
    // Signed in the supervisor, nothing can be lost: either `signed` is on record, or no signature left it.
    if (this.payload) {
      if (!this.payload.released) this.payload.refused(reason);
      return;
    }
    this.host.journalEventBestEffort({ event: 'sign-unreported', attempt: this.a.n, id: this.id, reason });
  }

  finish(): void {
    this.a.inflight -= 1;
    this.a.settle();
  }
}

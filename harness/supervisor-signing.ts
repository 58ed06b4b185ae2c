// One request signed by the supervisor (backend `supervisor`): the job's side of the payload exchange. The signature
// is recorded as `signed` — with the digest of the output the supervisor made — before a byte of it is released.
import type { SignRequest } from '../protocol/messages.js';
import type { PayloadSigning } from './payload-exchange.js';
import type { JournalBody } from './records.js';
import { signatureSpec } from './signer/request-check.js';
import type { SignatureOutcome, Signer, SignInput } from './signer/signer.js';

/** What a supervised signing needs from its job. */
export interface SigningJob {
  journalEvent(body: JournalBody): void;
  journalEventBestEffort(body: JournalBody): void;
  countSignature(source: 'shim'): void;
}

export class SupervisorSigning implements PayloadSigning {
  /** `signed` is on record: the signature may be out there, whatever the connection does next. */
  released = false;

  constructor(
    private readonly job: SigningJob,
    private readonly attempt: number,
    private readonly request: SignRequest,
    private readonly signer: Signer,
  ) {}

  sign(input: SignInput): Promise<SignatureOutcome> {
    // The request was judged before the commit step; judged again here, it cannot have changed.
    return this.signer.sign(input, signatureSpec(this.request));
  }

  release(outcome: SignatureOutcome, output: { sha256: string; size: number } | null): void {
    this.job.journalEvent({
      event: 'signed',
      attempt: this.attempt,
      id: this.request.id,
      exit: outcome.exit,
      signal: null,
      outputSha256: output?.sha256 ?? null,
      outputSize: output?.size ?? null,
    });
    this.released = true;
    if (outcome.exit === 0) this.job.countSignature('shim');
  }

  refused(reason: string): void {
    this.job.journalEventBestEffort({ event: 'sign-refused', attempt: this.attempt, id: this.request.id, reason });
  }
}

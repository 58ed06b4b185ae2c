// The events of a job: each is one journal line (except `commit-wanted`, which only goes to --events-fd) and one
// --events-fd line. Field by field in docs/protocol.md ("Journal and events"). Never holds the token.
import type { SignRequest, SignResult } from '../protocol/messages.js';
import type { ProcessIdentity } from './liveness.js';
import type { SignerDescription } from './signer/signer.js';

export const RECORD_VERSION = 1;

/** A shim's sign-request as recorded: everything the client sent except the token. */
export type ShimRequest = Omit<SignRequest, 'token'>;

/** A PKSIGN the agent gate held (agent-gate/agent-proxy.ts): what gpg told the agent before asking for it. */
export interface AgentRequest {
  v: 1;
  type: 'agent-pksign';
  /** The proxy's connection number: requests on one connection come from one gpg process. */
  connection: number;
  /** SIGKEY: the keygrip of the signing key (hex). */
  keygrip: string | null;
  /** SETHASH: libgcrypt's hash algorithm number (8 = sha256), or `--hash=NAME` as sent. */
  hashAlgo: string | null;
  /** SETHASH: the digest to be signed (hex). */
  digest: string | null;
  /** SETKEYDESC, decoded: gpg names the key's user id and key id there. */
  keyDescription: string | null;
}

/** What reached the supervisor: a shim's request, or a PKSIGN held by the agent gate. */
export type RecordedRequest = ShimRequest | AgentRequest;

/** How a job ended, as `gpg-gate status` tells it. */
export type Outcome =
  'succeeded' | 'failed-before-commit' | 'commit-refused' | 'failed-after-commit' | 'unknown' | 'running';

export type CommitMethod = 'hook' | 'auto' | 'decisions-fd';

export interface JobOptionsRecord {
  commit: CommitMethod;
  /** The operator's --on-commit command, as given. */
  onCommit: string | null;
  retries: number;
  retryDelaySeconds: number;
  commitTimeoutSeconds: number;
  socket: string;
  journal: string;
  eventsFd: number | null;
  decisionsFd: number | null;
  /** --sign-in-supervisor: how the supervisor signs (absent otherwise). */
  signer?: SignerDescription;
  /** --agent-gate: the key holder's home, the proxy, the job's GNUPGHOME, and whether the shim is on PATH. */
  agentGate?: { keyHome: string; proxySocket: string; jobHome: string; shim: boolean };
}

interface Started {
  supervisor: ProcessIdentity;
  command: string[];
  cwd: string;
  options: JobOptionsRecord;
}

/** Every event, without the envelope (v, seq, time, job) that the journal adds. */
export type EventBody =
  | ({ event: 'job-started' } & Started)
  /** `run` continued a journal whose job committed nothing (commit-state.ts). */
  | ({ event: 'job-resumed'; previousOutcome: Outcome } & Started)
  | { event: 'attempt-started'; attempt: number }
  | { event: 'child-started'; attempt: number; pid: number }
  | { event: 'sign-requested'; attempt: number; id: string; request: RecordedRequest; requestSha256: string }
  | { event: 'commit-requested'; attempt: number; id: string; method: CommitMethod }
  /** --events-fd only: the embedding program must answer on --decisions-fd. */
  | { event: 'commit-wanted'; attempt: number; id: string; request: RecordedRequest }
  | { event: 'committed'; attempt: number; method: CommitMethod; durationMs: number; exitCode: number | null }
  | {
      event: 'commit-refused';
      attempt: number;
      reason: 'refused';
      method: CommitMethod;
      durationMs: number;
      exitCode: number | null;
      message: string;
    }
  | {
      event: 'commit-failed';
      attempt: number;
      /** transient: nothing was committed (hook exit 75) · timeout/error: the step may have half-committed. */
      reason: 'transient' | 'timeout' | 'error';
      method: CommitMethod;
      durationMs: number;
      exitCode: number | null;
      signal: string | null;
      message: string;
    }
  | { event: 'sign-approved'; attempt: number; id: string }
  | { event: 'sign-refused'; attempt: number; id: string; reason: string }
  | ({ event: 'signed'; attempt: number; agentError?: string } & Omit<SignResult, 'v' | 'type'>)
  /** Proceed was sent but no sign-result came back (connection lost or timed out): a signature may exist. */
  | { event: 'sign-unreported'; attempt: number; id: string; reason: string }
  /** The agent gate refused a command that is not signing (agent-gate/agent-commands.ts); its arguments are not kept. */
  | { event: 'agent-refused'; attempt: number | null; connection: number; command: string; why: string }
  | { event: 'signal-forwarded'; attempt: number | null; signal: string; pid: number | null }
  | { event: 'child-exited'; attempt: number; exitCode: number | null; signal: string | null }
  | { event: 'attempt-ended'; attempt: number; failed: boolean; retry: boolean; retryDelaySeconds: number | null }
  | { event: 'job-ended'; outcome: Outcome; exitCode: number; attempts: number; signatures: number }
  /** --events-fd only: the journal could not be written; nothing more will be approved. */
  | { event: 'journal-failed'; message: string };

/** Events that are announced but never journaled. */
export type EventOnlyName = 'commit-wanted' | 'journal-failed';

export type EventName = EventBody['event'];

export type JournalBody = Exclude<EventBody, { event: EventOnlyName }>;

export type JobRecord = JournalBody & { v: typeof RECORD_VERSION; seq: number; time: string; job: string };

/** A line on --events-fd: a journal record, or an announcement without `seq`. */
export type EventLine =
  JobRecord | (Extract<EventBody, { event: EventOnlyName }> & { v: typeof RECORD_VERSION; time: string; job: string });

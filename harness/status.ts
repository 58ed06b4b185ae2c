// `gpg-gate status`: the outcome of a job from its journal alone (plus whether the recorded supervisor still runs).
import type { Committed } from './commit-state.js';
import { isAlive, type ProcessIdentity } from './liveness.js';
import { readJournal } from './journal.js';
import type { JobRecord, Outcome, RecordedRequest } from './records.js';

export interface SignatureStatus {
  attempt: number;
  id: string;
  /** shim: a gpg call the shim asked about · agent: a PKSIGN the agent gate held (argv empty, keygrip and digest set) */
  source: 'shim' | 'agent';
  argv: string[];
  localUsers: string[];
  sha256: string | null;
  size: number;
  /** requested: no decision on record · approved: proceed sent, no result yet · refused · signed · unreported */
  state: 'requested' | 'approved' | 'refused' | 'signed' | 'unreported';
  reason: string | null;
  exit: number | null;
  outputSha256: string | null;
  /** Agent gate: the signing key's keygrip and the digest signed. */
  keygrip: string | null;
  digest: string | null;
}

export interface JobStatus {
  job: string | null;
  outcome: Outcome;
  attempts: number;
  signatures: SignatureStatus[];
  /** What the job committed: yes, no, or unknown (a commit step without a clear answer). commit-state.ts */
  committed: Committed;
  /** Why committed is unknown, when it is. */
  unknownWhy: string | null;
  /** Exit status `run` gave, from job-ended; null while running or when the supervisor died. */
  exitCode: number | null;
  /** The last supervisor on record and whether it still runs. */
  supervisor: (ProcessIdentity & { alive: boolean }) | null;
  /** The journal ended in an incomplete line (a write cut short by a crash); it is ignored. */
  tornTail: boolean;
}

type Liveness = (who: ProcessIdentity) => boolean;

/**
 * Derives the status. committed: yes with `committed` on record; else unknown with a commit step that timed out or
 * failed (commit-failed timeout/error), or one requested with no decision after it while no supervisor runs; else no.
 * With job-ended after the last start, the outcome is the recorded one. Otherwise, if the last supervisor still runs:
 * `running`. If it died: committed yes ⇒ failed-after-commit, unknown ⇒ unknown, an explicit refusal ⇒
 * commit-refused, else failed-before-commit. `succeeded` is only ever read from job-ended.
 */
export function deriveStatus(records: readonly JobRecord[], alive: Liveness = isAlive, tornTail = false): JobStatus {
  let job: string | null = null;
  let supervisor: ProcessIdentity | null = null;
  let ended: Extract<JobRecord, { event: 'job-ended' }> | null = null;
  let attempts = 0;
  let committedYes = false;
  let commitPending = false;
  let commitRefused = false;
  let unknownWhy: string | null = null;
  const signatures = new Map<string, SignatureStatus>();
  const update = (id: string, patch: Partial<SignatureStatus>) => {
    const s = signatures.get(id);
    if (s) Object.assign(s, patch);
  };
  for (const r of records) {
    job ??= r.job;
    switch (r.event) {
      case 'job-started':
      case 'job-resumed':
        supervisor = r.supervisor;
        ended = null;
        break;
      case 'attempt-started':
        attempts = Math.max(attempts, r.attempt);
        break;
      case 'sign-requested':
        signatures.set(r.id, signatureOf(r.attempt, r.id, r.request));
        break;
      case 'commit-requested':
        commitPending = true;
        break;
      case 'committed':
        commitPending = false;
        committedYes = true;
        break;
      case 'commit-refused':
        commitPending = false;
        commitRefused = true;
        break;
      case 'commit-failed':
        commitPending = false;
        if (r.reason !== 'transient') unknownWhy = r.message;
        break;
      case 'sign-approved':
        update(r.id, { state: 'approved' });
        break;
      case 'sign-refused':
        update(r.id, { state: 'refused', reason: r.reason });
        break;
      case 'signed':
        update(r.id, { state: 'signed', exit: r.exit, outputSha256: r.outputSha256 });
        break;
      case 'sign-unreported':
        update(r.id, { state: 'unreported', reason: r.reason });
        break;
      case 'job-ended':
        ended = r;
        break;
      default:
        break;
    }
  }
  const supervisorAlive = supervisor !== null && alive(supervisor);
  if (commitPending && !ended) {
    unknownWhy ??= supervisorAlive ? 'the commit step is running' : 'the supervisor ended while the commit step ran';
  }
  const committed: Committed = committedYes ? 'yes' : unknownWhy !== null ? 'unknown' : 'no';
  let outcome: Outcome;
  if (ended) outcome = ended.outcome;
  else if (supervisorAlive) outcome = 'running';
  else if (committed === 'yes') outcome = 'failed-after-commit';
  else if (committed === 'unknown') outcome = 'unknown';
  else if (commitRefused) outcome = 'commit-refused';
  else outcome = 'failed-before-commit';
  return {
    job,
    outcome,
    attempts,
    signatures: [...signatures.values()],
    committed,
    unknownWhy: committed === 'unknown' ? unknownWhy : null,
    exitCode: ended?.exitCode ?? null,
    supervisor: supervisor && { ...supervisor, alive: supervisorAlive },
    tornTail,
  };
}

function signatureOf(attempt: number, id: string, request: RecordedRequest): SignatureStatus {
  const open = { attempt, id, state: 'requested', reason: null, exit: null, outputSha256: null } as const;
  if (request.type === 'agent-pksign') {
    const { keygrip, digest } = request;
    return { ...open, source: 'agent', argv: [], localUsers: [], sha256: null, size: 0, keygrip, digest };
  }
  const { argv, localUsers, sha256, size } = request;
  return { ...open, source: 'shim', argv, localUsers, sha256, size, keygrip: null, digest: null };
}

export function journalStatus(path: string, alive: Liveness = isAlive): JobStatus {
  const { records, torn } = readJournal(path);
  return deriveStatus(records, alive, torn);
}

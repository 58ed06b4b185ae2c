// What a journal must satisfy, line by line, and what `gpg-gate status` must say given what really happened. Returns
// the violations as sentences (an empty list is a pass), so that a failing cell of a matrix says what went wrong.
import type { JobStatus } from '../../harness/status.js';
import type { JobRecord } from '../../harness/records.js';

const DECISIONS = new Set(['committed', 'commit-refused', 'commit-failed']);

/** Invariants of the journal alone (I1 and I2 of docs/design.md, as far as the journal can show them). */
export function journalViolations(records: readonly JobRecord[]): string[] {
  const v: string[] = [];
  const job = records[0]?.job;
  let committed = false;
  let pendingCommit = false;
  let lastAttempt = 0;
  let ended = false;
  let segmentSignatures = 0;
  /** Per request id: requested → decided (approved|refused) → reported (signed|unreported). */
  const requests = new Map<string, { approved: boolean | null; reported: boolean }>();
  records.forEach((r, i) => {
    const at = `line ${i + 1} (${r.event})`;
    if (r.seq !== i + 1) v.push(`${at}: seq ${r.seq}, expected ${i + 1}`);
    if (r.job !== job) v.push(`${at}: job ${r.job}, expected ${job}`);
    if (i === 0 && r.event !== 'job-started') v.push(`${at}: a journal starts with job-started`);
    if (ended && r.event !== 'job-resumed') v.push(`${at}: after job-ended only job-resumed may follow`);
    switch (r.event) {
      case 'job-started':
        if (i !== 0) v.push(`${at}: job-started after the first line`);
        break;
      case 'job-resumed':
        if (!ended) v.push(`${at}: resumed a job that had not ended`);
        if (committed) v.push(`${at}: resumed a job that had committed`);
        ended = false;
        segmentSignatures = 0;
        break;
      case 'attempt-started':
        if (r.attempt !== lastAttempt + 1) v.push(`${at}: attempt ${r.attempt} after ${lastAttempt}`);
        lastAttempt = r.attempt;
        break;
      case 'sign-requested':
        if (requests.has(r.id)) v.push(`${at}: request ${r.id} requested twice`);
        requests.set(r.id, { approved: null, reported: false });
        break;
      case 'commit-requested':
        if (committed) v.push(`${at}: a second commit step after a commit`);
        if (pendingCommit) v.push(`${at}: a commit step while another has no decision`);
        if (!requests.has(r.id)) v.push(`${at}: commit for unknown request ${r.id}`);
        pendingCommit = true;
        break;
      case 'committed':
      case 'commit-refused':
      case 'commit-failed':
        if (!pendingCommit) v.push(`${at}: a commit decision without commit-requested`);
        pendingCommit = false;
        if (r.event === 'committed') committed = true;
        break;
      case 'sign-approved':
      case 'sign-refused': {
        const q = requests.get(r.id);
        if (!q) v.push(`${at}: decision for unknown request ${r.id}`);
        else if (q.approved !== null) v.push(`${at}: request ${r.id} decided twice`);
        else q.approved = r.event === 'sign-approved';
        if (r.event === 'sign-approved' && !committed) v.push(`${at}: approved before any committed record`);
        break;
      }
      case 'signed':
      case 'sign-unreported': {
        const q = requests.get(r.id);
        if (!q || q.approved !== true) v.push(`${at}: result for request ${r.id} that was not approved`);
        else if (q.reported) v.push(`${at}: request ${r.id} reported twice`);
        else q.reported = true;
        if (r.event === 'signed' && r.exit === 0) segmentSignatures += 1;
        break;
      }
      case 'job-ended':
        ended = true;
        if (r.signatures !== segmentSignatures)
          v.push(`${at}: counts ${r.signatures} signatures, the journal ${segmentSignatures}`);
        if ((r.outcome === 'failed-before-commit' || r.outcome === 'commit-refused') !== (r.exitCode === 75))
          v.push(`${at}: outcome ${r.outcome} with exit ${r.exitCode}`);
        if (r.outcome === 'failed-before-commit' && committed) v.push(`${at}: failed-before-commit after committed`);
        if (r.outcome === 'succeeded' && r.exitCode !== 0) v.push(`${at}: succeeded with exit ${r.exitCode}`);
        if (pendingCommit) v.push(`${at}: job ended with a commit step undecided`);
        break;
      default:
        break;
    }
  });
  return v;
}

/** What really happened around a job, observed outside the journal. */
export interface WorldFacts {
  records: readonly JobRecord[];
  status: JobStatus;
  /** `gpg-gate run`'s exit status; null if it was killed. */
  runExit: number | null;
  /** PKSIGN commands gpg-agent received during the job (signatures made or attempted). */
  agentSignatures: number;
  /** Signature files (or other outputs) that exist afterwards. */
  outputs: number;
  /** The commit hook started (from then on it may have committed) / completed its commitment. */
  hookStarted: boolean;
  hookCommitted: boolean;
  /** The hook ran to its end and answered 75: nothing committed. */
  hookTransient: boolean;
  /** The hook ran to its end and refused (77): nothing committed. */
  hookRefused: boolean;
}

/** Does `status` tell the truth about what happened? (I1, I2 and I5 of docs/design.md.) */
export function truthViolations(f: WorldFacts): string[] {
  const v: string[] = [];
  const { records, status } = f;
  const has = (e: string) => records.some((r) => r.event === e);
  const lastCommitRequest = records.map((r) => r.event).lastIndexOf('commit-requested');
  const decided = records.slice(lastCommitRequest + 1).some((r) => DECISIONS.has(r.event));
  const undecided = lastCommitRequest >= 0 && !decided;
  const ended = records.findLast((r) => r.event === 'job-ended' || r.event === 'job-resumed')?.event === 'job-ended';
  const signature = f.agentSignatures > 0 || f.outputs > 0;

  if (signature && !has('committed')) v.push('a signature exists but no committed record is durable');
  if (signature && !status.signatures.some((s) => ['approved', 'signed', 'unreported'].includes(s.state)))
    v.push('a signature exists but status shows no approved request');
  if (status.supervisor?.alive) v.push('status says the (dead) supervisor is alive');
  if (status.outcome === 'running') v.push('status says running after the supervisor ended');
  // A hook that started and did not answer 75 may have committed: then the job must never read as safe to retry.
  const mayHaveCommitted = f.hookStarted && !f.hookTransient && !f.hookRefused;
  if (status.outcome === 'failed-before-commit') {
    if (f.hookCommitted) v.push('failed-before-commit after the commit step completed');
    else if (mayHaveCommitted) v.push('failed-before-commit after a commit step that may have committed');
    if (has('committed')) v.push('failed-before-commit with committed on record');
    if (signature) v.push('failed-before-commit but a signature exists');
  }
  if (f.runExit === 75) {
    if (mayHaveCommitted) v.push('exit 75 after a commit step that may have committed');
    if (signature) v.push('exit 75 but a signature exists');
  }
  // unknown exactly when nothing committed and a commit step gave no clear answer: none on record while no supervisor
  // runs, or one that timed out or failed (commit-failed other than transient).
  const unclear = records.some((r) => r.event === 'commit-failed' && r.reason !== 'transient');
  const unknownExpected = !has('committed') && ((!ended && undecided) || unclear);
  if ((status.outcome === 'unknown') !== unknownExpected)
    v.push(
      `outcome ${status.outcome}, but a commit decision is ${undecided ? 'missing' : unclear ? 'unclear' : 'on record'}`,
    );
  if ((status.committed === 'unknown') !== unknownExpected)
    v.push(`committed ${status.committed}, unknown expected: ${unknownExpected}`);
  if ((status.committed === 'yes') !== has('committed')) v.push(`committed ${status.committed} against the journal`);
  if (f.hookStarted && !has('commit-requested')) v.push('the hook ran but commit-requested is not on record');
  if (status.outcome === 'succeeded' && !ended) v.push('succeeded without job-ended');
  if (f.runExit !== null && ended) {
    const end = records.findLast((r) => r.event === 'job-ended');
    if (end?.event === 'job-ended' && end.exitCode !== f.runExit)
      v.push(`run exited ${f.runExit} but job-ended says ${end.exitCode}`);
  }
  return v;
}

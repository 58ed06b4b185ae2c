// What a job committed, and everything that follows from it: the outcome, `run`'s exit status, whether an attempt is
// retried and whether a journal may be continued. One model, pure functions, no I/O (docs/design.md, "Commit state").
//
//   committed  yes      the commit step said "committed": signatures may exist and be public
//              no       the step was never asked, answered transient, or refused explicitly
//              unknown  the step was asked and gave no clear answer (timed out, crashed, was killed, closed its
//                       channel, said something unparseable, or the supervisor died while it ran): it may have committed
import type { Outcome } from './records.js';
import { EXIT_NOTHING_COMMITTED, exitStatusForSignal } from '../common/exit-status.js';

export type Committed = 'yes' | 'no' | 'unknown';

/** The commit step's last word in a job, over all its attempts. */
export type CommitState =
  | { kind: 'not-asked' }
  | { kind: 'committed' }
  | { kind: 'transient' }
  | { kind: 'refused' }
  | { kind: 'unknown'; why: string };

export const NOT_ASKED: CommitState = { kind: 'not-asked' };

export const EXIT_OK = 0;

export function committed(state: CommitState): Committed {
  switch (state.kind) {
    case 'committed':
      return 'yes';
    case 'unknown':
      return 'unknown';
    default:
      return 'no';
  }
}

/** How an attempt's command ended, and whether the attempt failed (a non-zero exit, an aborted signature, …). */
export interface AttemptEnd {
  failed: boolean;
  exitCode: number | null;
  signal: number | null;
}

/** The exit status for a job that failed while a commitment may exist: the command's own, never 0 and never 75. */
export function failureExitCode(exitCode: number | null, signal: number | null): number {
  if (signal !== null) return exitStatusForSignal(signal);
  if (exitCode === null || exitCode === EXIT_OK || exitCode === EXIT_NOTHING_COMMITTED) return 1;
  return exitCode;
}

/** The outcome and exit status after an attempt: exit 75 exactly when it failed and nothing was committed. */
export function jobResult(state: CommitState, end: AttemptEnd): { outcome: Outcome; exitCode: number } {
  if (!end.failed) return { outcome: 'succeeded', exitCode: EXIT_OK };
  switch (state.kind) {
    case 'committed':
      return { outcome: 'failed-after-commit', exitCode: failureExitCode(end.exitCode, end.signal) };
    case 'unknown':
      return { outcome: 'unknown', exitCode: failureExitCode(end.exitCode, end.signal) };
    case 'refused':
      return { outcome: 'commit-refused', exitCode: EXIT_NOTHING_COMMITTED };
    case 'transient':
    case 'not-asked':
      return { outcome: 'failed-before-commit', exitCode: EXIT_NOTHING_COMMITTED };
  }
}

/** Whether `run` tries again on its own (--retries): only when nothing was committed and nobody said no. */
export function retriable(state: CommitState): boolean {
  return state.kind === 'not-asked' || state.kind === 'transient';
}

/** What a journal says, as far as continuing it is concerned. */
export interface JournalVerdict {
  job: string | null;
  outcome: Outcome;
  committed: Committed;
  /** Why committed is unknown, when it is. */
  unknownWhy: string | null;
}

/**
 * Whether `run` may continue the job of an existing journal: exactly when nothing was committed, whatever the command's
 * exit status was (a command may exit 0 and still have failed). Returns null, or why not.
 */
export function continuationRefusal(v: JournalVerdict): string | null {
  const job = `job ${v.job ?? '?'}`;
  if (v.outcome === 'running') return `${job} is still running`;
  if (v.committed === 'yes') {
    return `${job} committed (outcome ${v.outcome}): its signatures may be public, so it is never run again; start a new job`;
  }
  if (v.committed === 'unknown') {
    return `${job} may have committed (${v.unknownWhy ?? 'the commit step gave no answer'}): find out from the commit step's side, then start a new job`;
  }
  return null;
}

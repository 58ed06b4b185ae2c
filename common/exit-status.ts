// Exit statuses shared by the shim and the supervisor.

/** EX_TEMPFAIL: `run` failed and nothing was committed, safe to run again; a commit hook's "transient". */
export const EXIT_NOTHING_COMMITTED = 75;
/** EX_USAGE. */
export const EXIT_USAGE = 64;

/** What a shell reports for a process that died of signal number `n`. */
export function exitStatusForSignal(n: number): number {
  return 128 + n;
}

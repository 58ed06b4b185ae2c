// Failures of the supervisor and the CLI. Library code throws these; cli.ts turns the code into an exit status.

/**
 * usage:    the command line is wrong (exit 64).
 * refused:  an existing journal does not allow a new attempt, or the job cannot start safely (never exit 75).
 * socket:   the socket cannot be set up (its directory is unsafe, another supervisor listens there, ...).
 * journal:  the journal cannot be read or written.
 * shim:     the shim bundle is missing.
 * agent:    the agent gate cannot be set up (the key holder's agent, its extra socket, the job's home).
 */
export type HarnessErrorCode = 'usage' | 'refused' | 'socket' | 'journal' | 'shim' | 'agent';

export class HarnessError extends Error {
  readonly code: HarnessErrorCode;
  constructor(code: HarnessErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HarnessError';
    this.code = code;
  }
}

/** `err.message`, with the errno code when there is one (EACCES, ENOSPC, ...). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

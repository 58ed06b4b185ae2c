// What a signing backend gets once the supervisor has said "proceed", and what it gives back. The gnupg backend runs
// the real gpg; the openpgp backend (a separate, lazily loaded bundle) signs inside the shim.
import type { SignClassification } from '../argv/types.js';
import type { GateClient } from '../gate.js';

export interface SignJob {
  /** The caller's argv (without the program name). */
  argv: readonly string[];
  classification: SignClassification;
  /** The private copy of exactly the bytes to sign (data signatures); null for key signatures. */
  spoolPath: string | null;
  /** The environment of the shim (GNUPGHOME, GPG_GATE_KEY, …). */
  env: NodeJS.ProcessEnv;
  /**
   * What gpg reads from its standard input before the data: the passphrase line of `--passphrase-fd 0` when the data
   * is on standard input too (the spool has taken the rest). Secret; null otherwise.
   */
  stdinLine: Buffer | null;
  /** The connection to the supervisor, for the supervisor backend, which signs over it (docs/protocol.md §6.2). */
  gate?: GateClient;
}

export interface SignOutcome {
  /** Exit code of the signing step, as gpg would exit; null if it died of a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Digest and size of the signature output, when known. */
  output: { sha256: string; size: number } | null;
}

/** The single entry point every backend implements. */
export type SignFunction = (job: SignJob) => Promise<SignOutcome>;

export interface SigningBackend {
  sign: SignFunction;
  /**
   * Refuses, before the commitment point, a call the backend would refuse after it (an option it cannot honour, a
   * missing key file). On refusal it has written gpg's messages itself and returns the reason (for the log); else null.
   */
  precheck?: (job: Omit<SignJob, 'spoolPath' | 'stdinLine'>) => string | null;
}

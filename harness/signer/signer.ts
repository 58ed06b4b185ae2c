// Supervisor-side signing (gpg-gate run --sign-in-supervisor): the key lives only in the supervisor, behind one
// small interface with one implementation per backend (real gpg in the operator's GNUPGHOME, or openpgp.js with the
// key held in memory).

/**
 * What to sign, taken only from validated request fields (see request-check.ts): never the client's argv, never a
 * file name that is opened on the supervisor's side.
 */
export interface SignatureSpec {
  mode: 'detach' | 'clearsign' | 'inline';
  armor: boolean;
  textmode: boolean;
  /** --local-user values in order; empty: the signer's default key. */
  localUsers: string[];
  /** --digest-algo as the caller wrote it (a short alphanumeric name), or null. */
  digestAlgo: string | null;
  /** Inline signatures: the file name gpg records in the literal data packet (a base name; '' for standard input). */
  literalName: string;
  /** The data came from standard input (gpg then records no size in an inline signature). */
  fromStdin: boolean;
  /** The size of the data in bytes. */
  size: number;
  /** Names shown in gpg's messages instead of the supervisor's own paths. */
  inputName: string;
  outputName: string;
}

export interface SignInput {
  /** The verified payload, in the supervisor's private directory. */
  data: string;
  /** Where the signer writes its output (a new file in the same directory). */
  output: string;
}

export interface SignatureOutcome {
  /** The exit status gpg would have given the caller (0 ok, 2 error). */
  exit: number;
  /** Status lines as gpg writes them on --status-fd, each with its `[GNUPG:] ` prefix and without a newline. */
  status: string[];
  /** gpg's messages for the caller's stderr (lines ending in newlines), or ''. */
  stderr: string;
  /** The output file, if the signer wrote one (gpg keeps it even when a later -u failed); else null. */
  output: string | null;
}

export type SignerBackend = 'gnupg' | 'openpgp';

/** One method: sign the data file as the spec says. Never throws for a signing failure; that is an outcome. */
export interface Signer {
  readonly backend: SignerBackend;
  sign(input: SignInput, spec: SignatureSpec): Promise<SignatureOutcome>;
}

/** How the operator configured the signer, as the journal records it (no secrets). */
export interface SignerDescription {
  backend: SignerBackend;
  gnupghome: string | null;
  key: string | null;
}

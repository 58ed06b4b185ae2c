// The wire protocol between the shim (client) and the supervisor (server), version 1. Described for implementers of
// other peers in docs/protocol.md; keep the two in step.

export const PROTOCOL_VERSION = 1;

/** How the signature is made once the supervisor says "proceed". */
export type BackendName = 'gnupg' | 'openpgp' | 'supervisor';

/** What kind of signature the call makes: over data (sign/clearsign/detach) or over keys (certifications, etc.). */
export type SignKind = 'data' | 'keys';

/** gpg's data-signing modes; `keys` for key certifications, revocations and key generation. */
export type SignMode = 'detach' | 'clearsign' | 'inline' | 'keys';

export interface InputInfo {
  /** The caller's file name as given to gpg, or `-` for standard input. */
  name: string;
  size: number;
}

/** client → supervisor: the first frame of every connection. */
export interface SignRequest {
  v: typeof PROTOCOL_VERSION;
  type: 'sign-request';
  /** The job's secret (GPG_GATE_TOKEN). Never logged or journaled by the supervisor. */
  token: string;
  /** Random id chosen by the client, echoed in every reply. */
  id: string;
  pid: number;
  cwd: string;
  /** gpg's argv as the caller wrote it, with secrets (passphrases) replaced by `<redacted>`. */
  argv: string[];
  /** Canonical gpg command names, e.g. `["detach-sign"]`, including commands read from config files. */
  commands: string[];
  kind: SignKind;
  mode: SignMode;
  localUsers: string[];
  armor: boolean;
  textmode: boolean;
  digestAlgo: string | null;
  inputs: InputInfo[];
  /** sha256 (hex) of exactly the bytes that will be signed; null for key signatures. */
  sha256: string | null;
  /** Total size of those bytes; 0 for key signatures. */
  size: number;
  /** Where the signature goes: a path (as gpg would resolve it, relative to cwd) or `-` for stdout. */
  output: string;
  backend: BackendName;
  /** true: after `proceed`, the client streams the bytes to sign as `chunk` frames (backend `supervisor`, §6.2). */
  payload: boolean;
}

/** supervisor → client: the answer to a sign-request. Only `proceed` permits a signature. */
export interface Decision {
  v: typeof PROTOCOL_VERSION;
  type: 'decision';
  id: string;
  decision: 'proceed' | 'abort';
  /** Why, in words for the human reading gpg's stderr. */
  reason: string;
  job: string;
  attempt: number;
}

/** client → supervisor: what happened after `proceed` (backends gnupg and openpgp). */
export interface SignResult {
  v: typeof PROTOCOL_VERSION;
  type: 'sign-result';
  id: string;
  /** Exit code of the signing step (gpg's, or the in-shim backend's). */
  exit: number;
  /** Signal that ended gpg, if it died of one. */
  signal: string | null;
  /** sha256 (hex) and size of the signature output, when it could be read back; null otherwise. */
  outputSha256: string | null;
  outputSize: number | null;
}

/** supervisor → client: sign-result recorded. The connection ends after it. */
export interface Ack {
  v: typeof PROTOCOL_VERSION;
  type: 'ack';
  id: string;
}

/** Header of a binary chunk: exactly `length` raw bytes follow the header's newline. length 0 ends the stream. */
export interface Chunk {
  v: typeof PROTOCOL_VERSION;
  type: 'chunk';
  length: number;
}

/** supervisor → client, after the signature's chunks (backend `supervisor`): how the signing ended. */
export interface SignDone {
  v: typeof PROTOCOL_VERSION;
  type: 'sign-done';
  id: string;
  exit: number;
  /** Status lines as gpg wrote them (without `[GNUPG:] ` prefix handling: verbatim lines, no newline). */
  status: string[];
  /** Diagnostics for the caller's stderr (gpg's wording). */
  stderr: string;
}

/** Error codes, each described in docs/protocol.md ("Error codes"). Receivers treat unknown codes as `internal`. */
export type ErrorCode =
  | 'bad-frame'
  | 'frame-too-large'
  | 'unsupported-version'
  | 'bad-message'
  | 'bad-token'
  | 'unexpected-message'
  | 'busy'
  | 'attempt-over'
  | 'timeout'
  | 'digest-mismatch'
  | 'internal';

export const ERROR_CODES: readonly ErrorCode[] = [
  'bad-frame',
  'frame-too-large',
  'unsupported-version',
  'bad-message',
  'bad-token',
  'unexpected-message',
  'busy',
  'attempt-over',
  'timeout',
  'digest-mismatch',
  'internal',
];

/** Either side: the peer sent something wrong, or the server cannot serve. Usually followed by closing. */
export interface ErrorMessage {
  v: typeof PROTOCOL_VERSION;
  type: 'error';
  code: ErrorCode;
  message: string;
  id?: string;
}

export type ClientMessage = SignRequest | SignResult | Chunk;
export type ServerMessage = Decision | Ack | Chunk | SignDone | ErrorMessage;
export type Message = ClientMessage | ServerMessage;

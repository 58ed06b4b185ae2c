// The openpgp signing core: everything gpg does to make a data signature, without the process around it (no argv,
// no descriptors, no exit). The shim's openpgp backend and the supervisor's openpgp signer both sign through here.
import { parseDigestAlgo, type DigestAlgo } from './digest-algo.js';
import type { KeyRing } from './key-ring.js';
import {
  beginSigningLine,
  digestsFor,
  checkTextLines,
  signData,
  type CreatedSignature,
  type DataSource,
  type DataSignMode,
  type Sink,
} from './sign-data.js';
import { selectSigners, type Reporter } from './signer-list.js';
import { unsupported, SigningError } from './signing-error.js';
import { unlockSigners, type PassphrasePolicy } from './unlock.js';

// gpg's hash_for() takes the first of --personal-digest-preferences.
function personalDigest(value: string | null): DigestAlgo | null {
  const first = value?.split(/[\s,]+/).find((t) => t !== '');
  if (first === undefined) return null;
  try {
    return parseDigestAlgo(first);
  } catch (err) {
    if (err instanceof SigningError) throw unsupported(`--personal-digest-preferences '${value}' is not supported`);
    throw err;
  }
}

export { loadKeyRing, type KeyRing } from './key-ring.js';
export { provideOpenpgp, type OpenpgpLib } from './openpgp.js';
export { parseDigestAlgo, type DigestAlgo } from './digest-algo.js';
export { makeClock, parseFakedTime, isoTimeUtc, type FakedTime } from './faked-time.js';
export { literalName } from './literal-name.js';
export { SigningError, GPG_ERROR, type SigningErrorCode, type GpgReport } from './signing-error.js';
export { sigCreatedLine, type CreatedSignature, type DataSource, type DataSignMode, type Sink } from './sign-data.js';
export { wholeSource, OutputBuffer } from './memory-io.js';
export type { Reporter } from './signer-list.js';
export type { PassphrasePolicy } from './unlock.js';

export interface DataSigningInput {
  mode: DataSignMode;
  armor: boolean;
  textmode: boolean;
  /** --digest-algo as written, or null. */
  digestAlgo: string | null;
  /** --personal-digest-preferences as written, or null: its first algorithm is used when there is no --digest-algo. */
  personalDigest?: string | null;
  /** --local-user values in order; empty: the default key (the first usable key of the ring). */
  localUsers: readonly string[];
  /** gpg's clock; see makeClock(parseFakedTime(…)) for --faked-system-time. */
  clock: () => Date;
  /** Inline signatures: literal data file name bytes (see literalName()) and definite size, if gpg would write one. */
  literalName: Uint8Array;
  literalSize: number | null;
}

export interface SignIo {
  source: DataSource;
  /**
   * Called once the keys are found and before anything is signed: create the output (gpg checks for an existing
   * file at this point). Returns where the output goes.
   */
  openOutput(): Promise<Sink> | Sink;
  reporter: Reporter;
}

/**
 * Makes a data signature as gpg 2.2 would with these keys: finds the keys, opens the output, unlocks the keys, signs
 * the data, writes gpg's output and reports gpg's status and log lines on the way. Throws a SigningError carrying
 * gpg's report of the failure; anything written before that is for the caller to discard.
 */
export async function signWithKeyRing(
  ring: KeyRing,
  request: DataSigningInput,
  passphrase: PassphrasePolicy,
  io: SignIo,
): Promise<CreatedSignature[]> {
  // gpg rejects an unknown digest while reading its options, before it looks at any key.
  const digest: DigestAlgo | null =
    request.digestAlgo !== null ? parseDigestAlgo(request.digestAlgo) : personalDigest(request.personalDigest ?? null);
  const signers = await selectSigners(ring, request.localUsers, request.clock(), io.reporter);
  const digests = digestsFor(signers, digest);
  const options = { ...request, digest };
  await checkTextLines(options, io.source);
  const sink = await io.openOutput();
  io.reporter.status(beginSigningLine(digests));
  await unlockSigners(signers, passphrase, io.reporter);
  return signData(signers, digests, options, io.source, sink, io.reporter);
}

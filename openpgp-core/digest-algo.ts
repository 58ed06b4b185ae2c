// Digest algorithms as gpg 2.2 names, numbers and chooses them for data signatures.
import { SigningError, unsupported } from './signing-error.js';
import { GPG_ERROR } from '../common/gpg-errors.js';

export interface DigestAlgo {
  /** OpenPGP hash algorithm number (the `H<n>` of BEGIN_SIGNING). */
  id: number;
  /** libgcrypt's name, as gpg prints it in a clearsigned message's `Hash:` header. */
  name: string;
  /** node:crypto's name, or null where this backend does not sign with it. */
  node: string | null;
  /** Digest length in bytes. */
  size: number;
}

const ALGOS: readonly DigestAlgo[] = [
  { id: 1, name: 'MD5', node: null, size: 16 },
  { id: 2, name: 'SHA1', node: 'sha1', size: 20 },
  { id: 3, name: 'RIPEMD160', node: null, size: 20 },
  { id: 8, name: 'SHA256', node: 'sha256', size: 32 },
  { id: 9, name: 'SHA384', node: 'sha384', size: 48 },
  { id: 10, name: 'SHA512', node: 'sha512', size: 64 },
  { id: 11, name: 'SHA224', node: 'sha224', size: 28 },
];

// libgcrypt's aliases that gpg accepts as --digest-algo values, besides the names above.
const ALIASES: Record<string, number> = { RMD160: 3 };

export function digestById(id: number): DigestAlgo {
  const algo = ALGOS.find((a) => a.id === id);
  if (!algo) throw unsupported(`digest algorithm ${id} is not supported`);
  return algo;
}

/**
 * Parses --digest-algo like gpg's string_to_digest_algo: a libgcrypt name (any case) or `H<n>`. An unknown value is
 * an option error in gpg (exit 2 before any key is looked at).
 */
export function parseDigestAlgo(value: string): DigestAlgo {
  const upper = value.toUpperCase();
  let id = ALGOS.find((a) => a.name === upper)?.id ?? ALIASES[upper];
  if (id === undefined && /^H\d+$/.test(upper)) id = Number(upper.slice(1));
  const algo = ALGOS.find((a) => a.id === id);
  if (!algo) {
    throw new SigningError('invalid-digest', `invalid --digest-algo '${value}'`, {
      log: ['selected digest algorithm is invalid'],
      failure: `option-postprocessing ${GPG_ERROR.general}`,
      reason: null,
    });
  }
  return algo;
}

/** Public-key algorithm numbers this backend signs with. */
export const PK_RSA = 1;
export const PK_RSA_SIGN = 3;
export const PK_EDDSA = 22;

/**
 * gpg 2.2.40's hash_for() without --digest-algo and personal preferences: SHA256 for Ed25519, and its default
 * digest (SHA512, as the installed gpg does) for RSA. Measured, not guessed: see test/openpgp/bisimulation.test.ts.
 */
export function defaultDigestFor(pubkeyAlgo: number): DigestAlgo {
  return digestById(pubkeyAlgo === PK_EDDSA ? 8 : 10);
}

/** Refuses digests gpg would use but this backend cannot (openpgp.js rejects short digests for EdDSA). */
export function checkUsable(algo: DigestAlgo, pubkeyAlgo: number): void {
  if (algo.node === null) throw unsupported(`signing with digest algorithm ${algo.name} is not supported`);
  if (pubkeyAlgo === PK_EDDSA && algo.size < 32) {
    throw unsupported(`signing with an EdDSA key and a digest shorter than 256 bits (${algo.name}) is not supported`);
  }
}

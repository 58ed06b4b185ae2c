// The secret keys of the openpgp backend, and the facts about each (sub)key that gpg's key lookup looks at: validity,
// revocation, expiry, signing capability and whether the secret is present (merge_selfsigs in gpg's getkey.c).
import { openpgp, type PrivateKey, type SecretKeyPacket, type SecretSubkeyPacket, type Subkey } from './openpgp.js';
import { PK_EDDSA, PK_RSA, PK_RSA_SIGN } from './digest-algo.js';
import { SigningError } from './signing-error.js';

export interface KeyState {
  /** Upper-case hex fingerprint. */
  fingerprint: string;
  /** Upper-case hex 64-bit key id. */
  keyId: string;
  /** Creation time in seconds since the epoch. */
  created: number;
  algorithm: number;
  valid: boolean;
  revoked: boolean;
  expired: boolean;
  canSign: boolean;
  /** The secret is in the file (not a gnu-dummy stub). */
  hasSecret: boolean;
  isPrimary: boolean;
  packet: SecretKeyPacket | SecretSubkeyPacket;
}

export interface KeyBlock {
  key: PrivateKey;
  primary: KeyState;
  subkeys: KeyState[];
  /** The user IDs, in the key's order. */
  userIds: string[];
}

export interface KeyRing {
  keys: PrivateKey[];
}

const ARMOR_BLOCK = /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]*?-----END PGP PRIVATE KEY BLOCK-----/g;

/** Reads every secret key from armored text (several blocks and several keys per block allowed) or binary packets. */
export async function loadKeyRing(data: string | Uint8Array): Promise<KeyRing> {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  const blocks = text.match(ARMOR_BLOCK);
  const keys: PrivateKey[] = [];
  try {
    if (blocks) {
      for (const armoredKeys of blocks) keys.push(...(await openpgp().readPrivateKeys({ armoredKeys })));
    } else if (typeof data !== 'string' && !text.includes('-----BEGIN PGP')) {
      keys.push(...(await openpgp().readPrivateKeys({ binaryKeys: data })));
    }
  } catch (err) {
    throw new SigningError(
      'bad-key-file',
      `cannot read the secret keys: ${(err as Error).message}`,
      {},
      { cause: err },
    );
  }
  if (keys.length === 0) throw new SigningError('bad-key-file', 'no secret key block found');
  for (const key of keys) {
    // gpg 2.2 cannot read v6 keys: signing with one would give signatures the callers' gpg cannot check.
    if (key.keyPacket.version !== 4) {
      throw new SigningError(
        'bad-key-file',
        `key ${key.getFingerprint().toUpperCase()} is a v${key.keyPacket.version} key; only v4 keys are supported`,
      );
    }
  }
  return { keys };
}

// What a key with no key-flags subpacket may do, by algorithm (gpg's openpgp_pk_algo_usage).
function algorithmCanSign(algorithm: number): boolean {
  return [PK_RSA, PK_RSA_SIGN, 17 /* DSA */, 19 /* ECDSA */, PK_EDDSA, 27 /* Ed25519 */, 28 /* Ed448 */].includes(
    algorithm,
  );
}

function flagsCanSign(keyFlags: Uint8Array | null | undefined, algorithm: number): boolean {
  const first = keyFlags?.[0];
  if (first === undefined) return algorithmCanSign(algorithm);
  return (first & openpgp().enums.keyFlags.signData) !== 0 && algorithmCanSign(algorithm);
}

function hasSecret(packet: SecretKeyPacket | SecretSubkeyPacket): boolean {
  return typeof packet.isMissingSecretKeyMaterial === 'function' && !packet.isMissingSecretKeyMaterial();
}

type Verdict = 'ok' | 'revoked' | 'expired' | 'invalid';

// openpgp.js throws for a key it will not use; its messages tell revocation and expiry apart from invalidity.
function verdictOf(err: unknown): Verdict {
  const message = err instanceof Error ? err.message : '';
  if (/revoked/i.test(message)) return 'revoked';
  if (/expired/i.test(message)) return 'expired';
  return 'invalid';
}

async function primaryState(key: PrivateKey, date: Date): Promise<KeyState> {
  let verdict: Verdict = 'ok';
  try {
    await key.verifyPrimaryKey(date);
  } catch (err) {
    verdict = verdictOf(err);
  }
  const primaryUser = await key.getPrimaryUser(date).catch(() => null);
  const newestCert = key.users
    .flatMap((u) => u.selfCertifications)
    .sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0))[0];
  const keyFlags = (primaryUser?.selfCertification ?? newestCert)?.keyFlags;
  const packet = key.keyPacket as SecretKeyPacket;
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    keyId: key.getKeyID().toHex().toUpperCase(),
    created: Math.floor(key.getCreationTime().getTime() / 1000),
    algorithm: packet.algorithm,
    valid: verdict !== 'invalid',
    revoked: verdict === 'revoked',
    expired: verdict === 'expired',
    canSign: flagsCanSign(keyFlags, packet.algorithm),
    hasSecret: hasSecret(packet),
    isPrimary: true,
    packet,
  };
}

async function subkeyState(subkey: Subkey, primary: KeyState, date: Date): Promise<KeyState> {
  let verdict: Verdict = 'ok';
  try {
    await subkey.verify(date);
  } catch (err) {
    verdict = verdictOf(err);
  }
  // The binding signature in force: for a revoked or expired subkey openpgp.js has verified it before saying so.
  const binding = [...subkey.bindingSignatures].sort(
    (a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0),
  )[0];
  const packet = subkey.keyPacket as SecretSubkeyPacket;
  const state: KeyState = {
    fingerprint: subkey.getFingerprint().toUpperCase(),
    keyId: subkey.getKeyID().toHex().toUpperCase(),
    created: Math.floor(subkey.getCreationTime().getTime() / 1000),
    algorithm: packet.algorithm,
    valid: verdict !== 'invalid',
    revoked: verdict === 'revoked',
    expired: verdict === 'expired',
    canSign: flagsCanSign(binding?.keyFlags, packet.algorithm),
    hasSecret: hasSecret(packet),
    isPrimary: false,
    packet,
  };
  // A primary key that is invalid, revoked or expired takes its subkeys with it.
  if (!primary.valid) state.valid = false;
  if (primary.revoked) state.revoked = true;
  if (primary.expired) state.expired = true;
  return state;
}

/** The lookup facts of one key at `date` (gpg's clock). */
export async function describeKey(key: PrivateKey, date: Date): Promise<KeyBlock> {
  const primary = await primaryState(key, date);
  const subkeys: KeyState[] = [];
  for (const subkey of key.subkeys) subkeys.push(await subkeyState(subkey, primary, date));
  const userIds = key.users.flatMap((u) => (u.userID ? [u.userID.userID] : []));
  return { key, primary, subkeys, userIds };
}

// Finding the key to sign with, the way gpg 2.2 does for --local-user and for its default key (g10/getkey.c
// key_byname → lookup → finish_lookup), including the KEY_CONSIDERED status lines it prints on the way.
import type { KeyBlock, KeyState } from './key-ring.js';
import type { UserIdSpec } from './user-id-spec.js';

/** KEY_CONSIDERED flags: 1 = no suitable key in this keyblock, 2 = all signing subkeys expired or revoked. */
export const NOT_SELECTED = 1;
export const ALL_SUBKEYS_EXPIRED = 2;

export interface Considered {
  fingerprint: string;
  flags: number;
}

export interface Found {
  block: KeyBlock;
  /** The (sub)key that signs. */
  signingKey: KeyState;
  /** The user ID that matched the search, if it was a user ID search (for the Signer's User ID subpacket). */
  userId: string | null;
}

export interface LookupResult {
  considered: Considered[];
  found: Found | null;
  /** Why nothing was found: no key matched, or keys matched but none can sign. */
  failure: 'no-secret-key' | 'unusable-secret-key' | null;
}

interface Match {
  /** The (sub)key a key-id or fingerprint search matched. */
  key: KeyState | null;
  userId: string | null;
}

function mailPart(userId: string): string | null {
  const open = userId.indexOf('<');
  if (open < 0 || !userId.endsWith('>') || userId.length - open < 3) return null;
  return userId.slice(open + 1, -1);
}

function matchUserId(spec: UserIdSpec, userId: string): boolean {
  switch (spec.mode) {
    case 'substr':
      return userId.toLowerCase().includes(spec.text.toLowerCase());
    case 'exact':
      return userId === spec.text;
    case 'mail': {
      const mail = mailPart(userId);
      return mail !== null && mail.toLowerCase() === spec.text.toLowerCase();
    }
    case 'mailsub': {
      const mail = mailPart(userId);
      return mail !== null && mail.toLowerCase().includes(spec.text.toLowerCase());
    }
    default:
      return false;
  }
}

function matchKey(spec: UserIdSpec, key: KeyState): boolean {
  switch (spec.mode) {
    case 'short-kid':
      return key.keyId.endsWith(spec.hex);
    case 'long-kid':
      return key.keyId === spec.hex;
    case 'fpr20':
      return key.fingerprint === spec.hex;
    case 'fpr16':
      return false; // v3 (MD5) fingerprints: no v4 key has one.
    default:
      return false;
  }
}

function match(block: KeyBlock, spec: UserIdSpec): Match | null {
  if ('hex' in spec) {
    const key = [block.primary, ...block.subkeys].find((k) => matchKey(spec, k));
    return key ? { key, userId: null } : null;
  }
  const userId = block.userIds.find((u) => matchUserId(spec, u));
  return userId === undefined ? null : { key: null, userId };
}

function hasAnySecret(block: KeyBlock): boolean {
  return block.primary.hasSecret || block.subkeys.some((k) => k.hasSecret);
}

/**
 * finish_lookup() for a data signature (usage "sign", secret key wanted): the newest valid signing subkey, else the
 * primary key; with an exact (`!`) search only the (sub)key that matched.
 */
export function finishLookup(
  block: KeyBlock,
  exactKey: KeyState | null,
  now: number,
): { key: KeyState | null; flags: number } {
  let flags = 0;
  let latest: KeyState | null = null;
  let latestDate = 0;
  if (!exactKey?.isPrimary) {
    let subkeys = 0;
    let revokedOrExpired = 0;
    for (const k of exactKey ? [exactKey] : block.subkeys) {
      if (!k.valid || !k.canSign) continue;
      subkeys++;
      if (k.revoked || k.expired) {
        revokedOrExpired++;
        continue;
      }
      if (k.created > now || !k.hasSecret) continue;
      if (k.created > latestDate || (!k.created && !latestDate)) {
        latestDate = k.created;
        latest = k;
      }
    }
    if (subkeys === revokedOrExpired) flags |= ALL_SUBKEYS_EXPIRED;
  }
  if ((!latest && !exactKey) || exactKey?.isPrimary) {
    const p = block.primary;
    if (p.valid && p.canSign && !p.revoked && !p.expired) latest = p;
  }
  if (!latest) flags |= NOT_SELECTED;
  return { key: latest, flags };
}

/** Looks up a --local-user value among the keys, in file order (gpg's keyring order). */
export function lookupSpec(blocks: readonly KeyBlock[], spec: UserIdSpec, now: number): LookupResult {
  const considered: Considered[] = [];
  let noSuitable = false;
  for (const block of blocks) {
    const m = match(block, spec);
    if (!m || !hasAnySecret(block)) continue;
    const exact = 'exact' in spec && spec.exact === true && m.key !== null;
    const { key, flags } = finishLookup(block, exact ? m.key : null, now);
    considered.push({ fingerprint: block.primary.fingerprint, flags });
    if (key) return { considered, found: { block, signingKey: key, userId: m.userId }, failure: null };
    noSuitable = true;
  }
  return { considered, found: null, failure: noSuitable ? 'unusable-secret-key' : 'no-secret-key' };
}

/**
 * gpg's default key without --default-key: the first key that is not revoked or expired and has a usable signing
 * (sub)key. gpg first looks at each key with no usage in mind (a `KEY_CONSIDERED <fpr> 0` line per key, from its
 * skip_unusable check), then at the candidate for signing.
 */
export function lookupDefault(blocks: readonly KeyBlock[], now: number): LookupResult {
  const considered: Considered[] = [];
  let noSuitable = false;
  for (const block of blocks) {
    considered.push({ fingerprint: block.primary.fingerprint, flags: 0 });
    if (block.primary.revoked || block.primary.expired || !hasAnySecret(block)) continue;
    const { key, flags } = finishLookup(block, null, now);
    considered.push({ fingerprint: block.primary.fingerprint, flags });
    if (key) return { considered, found: { block, signingKey: key, userId: null }, failure: null };
    noSuitable = true;
  }
  return { considered, found: null, failure: noSuitable ? 'unusable-secret-key' : 'no-secret-key' };
}

// gpg's build_sk_list for data signatures: which keys sign, and what gpg reports while finding them (KEY_CONSIDERED,
// `skipped "X": …`, INV_SGNR), with its quirks kept: --local-user values are looked at last first, and only the
// last one looked at decides whether signing fails (an earlier failure is logged, and makes gpg exit 2 after signing).
import { describeKey, type KeyBlock, type KeyRing } from './key-ring.js';
import { lookupDefault, lookupSpec, type Found, type LookupResult } from './key-lookup.js';
import { GPG_ERROR, SigningError } from './signing-error.js';
import { parseUserIdSpec } from './user-id-spec.js';

/** Where the core reports what gpg would print: status lines (without `[GNUPG:] `) and log lines (without `gpg: `). */
export interface Reporter {
  status(line: string): void;
  /** log_info: informational, the exit code stays 0. */
  info(message: string): void;
  /** log_error: gpg will exit 2 even if it goes on. */
  error(message: string): void;
}

export interface Signer extends Found {
  /** The --local-user value that selected it (null: the default key). */
  spec: string | null;
}

const REASON = {
  'no-secret-key': { text: 'No secret key', failure: GPG_ERROR.noSecretKey },
  'unusable-secret-key': { text: 'Unusable secret key', failure: GPG_ERROR.unusableSecretKey },
  'invalid-user-id': { text: 'Invalid user ID', failure: GPG_ERROR.invalidUserId },
} as const;

// Status arguments are one line; gpg escapes what would break it.
function statusText(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || ch === '%' ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}

function reportConsidered(result: LookupResult, reporter: Reporter): void {
  for (const c of result.considered) reporter.status(`KEY_CONSIDERED ${c.fingerprint} ${c.flags}`);
}

/**
 * Selects the signing keys for `localUsers` (empty: gpg's default key). Returns them in the order gpg signs with
 * them (argv order); throws a SigningError exactly where gpg gives up.
 */
export async function selectSigners(
  ring: KeyRing,
  localUsers: readonly string[],
  now: Date,
  reporter: Reporter,
): Promise<Signer[]> {
  const seconds = Math.floor(now.getTime() / 1000);
  const blocks: KeyBlock[] = [];
  for (const key of ring.keys) blocks.push(await describeKey(key, now));

  if (localUsers.length === 0) {
    const result = lookupDefault(blocks, seconds);
    reportConsidered(result, reporter);
    if (!result.found) {
      const reason = REASON[result.failure ?? 'no-secret-key'];
      reporter.error(`no default secret key: ${reason.text}`);
      reporter.status(`INV_SGNR 9`);
      throw new SigningError(result.failure ?? 'no-secret-key', `no default secret key: ${reason.text}`, {
        failure: `sign ${reason.failure}`,
        reason: reason.text,
      });
    }
    return [{ ...result.found, spec: null }];
  }

  const signers: Signer[] = [];
  let lastFailure: keyof typeof REASON | null = null;
  const reversed = [...localUsers].reverse();
  for (let i = 0; i < reversed.length; i++) {
    const name = reversed[i]!;
    lastFailure = null;
    if (reversed.slice(0, i).includes(name)) {
      reporter.info(`skipped "${name}": duplicated`);
      continue;
    }
    const spec = parseUserIdSpec(name);
    let result: LookupResult | null = null;
    if (spec === null) lastFailure = 'invalid-user-id';
    else {
      result = lookupSpec(blocks, spec, seconds);
      reportConsidered(result, reporter);
      lastFailure = result.failure;
    }
    if (lastFailure || !result?.found) {
      const failure = lastFailure ?? 'no-secret-key';
      reporter.error(`skipped "${name}": ${REASON[failure].text}`);
      reporter.status(`INV_SGNR ${failure === 'invalid-user-id' ? 0 : 9} ${statusText(name)}`);
      continue;
    }
    const found = result.found;
    if (signers.some((s) => s.signingKey.fingerprint === found.signingKey.fingerprint)) {
      reporter.info('skipped: secret key already present');
      continue;
    }
    signers.unshift({ ...found, spec: name });
  }
  if (lastFailure) {
    const reason = REASON[lastFailure];
    throw new SigningError(lastFailure, reason.text, { failure: `sign ${reason.failure}`, reason: reason.text });
  }
  if (signers.length === 0) {
    // The last value looked at was a duplicate of one that failed: gpg ends up with no key at all.
    reporter.error('no valid signators');
    reporter.status('NO_SGNR 0');
    throw new SigningError('no-secret-key', 'no valid signators', {
      failure: `sign ${GPG_ERROR.noUserId}`,
      reason: 'No user ID',
    });
  }
  return signers;
}

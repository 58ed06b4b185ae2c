// Per-attempt secrets. Each attempt's child gets its own token, so a request from an earlier attempt's straggler is
// recognised (and told `attempt-over`) instead of being counted in the current attempt.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_BYTES } from '../protocol/limits.js';

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export class TokenTable {
  private readonly issued: { attempt: number; digest: Buffer }[] = [];

  /** A fresh random token (TOKEN_BYTES bytes, base64url) for `attempt`. Only its digest is kept. */
  issue(attempt: number): string {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    this.issued.push({ attempt, digest: digest(token) });
    return token;
  }

  /**
   * The attempt a token was issued for, or null. Compares equal-length digests in constant time, and always
   * against every issued token, so timing tells nothing about which one (if any) nearly matched.
   */
  match(token: string): number | null {
    const given = digest(token);
    let found: number | null = null;
    for (const t of this.issued) {
      if (timingSafeEqual(given, t.digest)) found = t.attempt;
    }
    return found;
  }
}

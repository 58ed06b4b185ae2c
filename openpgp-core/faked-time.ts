// gpg's --faked-system-time: signatures made "at" a given time, as the bisimulation tests and reproducible builds need.

export interface FakedTime {
  /** The faked time, in seconds since the epoch. */
  epoch: number;
  /** `!` suffix: the clock stands still; otherwise it runs on from the faked time. */
  frozen: boolean;
}

/** Parses the value like gpg: `YYYYMMDDTHHMMSS` (UTC) or seconds since the epoch, with an optional `!`. */
export function parseFakedTime(value: string): FakedTime {
  const frozen = value.endsWith('!');
  const text = frozen ? value.slice(0, -1) : value;
  const iso = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (iso) {
    const [y, mo, d, h, mi, s] = iso.slice(1).map(Number) as [number, number, number, number, number, number];
    return { epoch: Date.UTC(y, mo - 1, d, h, mi, s) / 1000, frozen };
  }
  // strtoul: leading digits, anything else is 0 (gpg then runs at the epoch, as it does here).
  const digits = /^\s*\+?(\d+)/.exec(text);
  return { epoch: digits ? Number(digits[1]) : 0, frozen };
}

/** gpg's clock: real time, or the faked time (frozen, or advancing from when the process started). */
export function makeClock(faked: FakedTime | null, startedAt: number = Date.now()): () => Date {
  if (!faked) return () => new Date(Math.floor(Date.now() / 1000) * 1000);
  const base = faked.epoch * 1000;
  if (faked.frozen) return () => new Date(base);
  return () => new Date(base + Math.floor((Date.now() - startedAt) / 1000) * 1000);
}

/** "YYYY-MM-DD HH:MM:SS" in UTC, as gpg prints times in its faked-time warning. */
export function isoTimeUtc(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

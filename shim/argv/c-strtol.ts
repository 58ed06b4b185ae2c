// C's strtol/strtoul as argparse.c set_opt_arg uses them: leading white space, a sign, digits up to the first
// non-digit, no error for trailing garbage (`--status-fd=abc` is fd 0), an error only on overflow.

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);
const ULONG_MAX = (1n << 64n) - 1n;
const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;

/** C isspace in the C locale. */
export function isCSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

function digitValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 87;
  if (code >= 65 && code <= 90) return code - 55;
  return 99;
}

/** The magnitude and sign strtol would read; base 0 means "0x" hex, "0" octal, else decimal. */
function scan(s: string, base: number): { negative: boolean; magnitude: bigint; rest: number } {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  if (
    (base === 0 || base === 16) &&
    s[i] === '0' &&
    (s[i + 1] === 'x' || s[i + 1] === 'X') &&
    digitValue(s[i + 2] ?? '') < 16
  ) {
    base = 16;
    i += 2;
  } else if (base === 0) base = s[i] === '0' ? 8 : 10;
  let magnitude = 0n;
  const b = BigInt(base);
  for (; i < s.length; i++) {
    const d = digitValue(s[i] ?? '');
    if (d >= base) break;
    // Past 2^64 the result is an overflow whatever follows; stop growing the number.
    if (magnitude <= ULONG_MAX) magnitude = magnitude * b + BigInt(d);
  }
  return { negative, magnitude, rest: i };
}

/** strtol, then the `int` range check of ARGPARSE_TYPE_INT; null where argparse says "invalid argument". */
export function parseCInt(s: string, base = 10): number | null {
  const { negative, magnitude } = scan(s, base);
  const value = negative ? -magnitude : magnitude;
  if (value > LONG_MAX || value < LONG_MIN) return null;
  if (value > INT_MAX || value < INT_MIN) return null;
  return Number(value);
}

/** strtol for ARGPARSE_TYPE_LONG (64-bit long). */
export function parseCLong(s: string, base = 10): bigint | null {
  const { negative, magnitude } = scan(s, base);
  const value = negative ? -magnitude : magnitude;
  return value > LONG_MAX || value < LONG_MIN ? null : value;
}

/** ARGPARSE_TYPE_ULONG: a leading '-' (after white space) is refused, then strtoul. */
export function parseCULong(s: string, base = 10): bigint | null {
  let i = 0;
  while (isCSpace(s[i])) i++;
  if (s[i] === '-') return null;
  const { magnitude } = scan(s.slice(i), base);
  return magnitude > ULONG_MAX ? null : magnitude;
}

/** atoi: strtol truncated to int without any error. */
export function cAtoi(s: string): number {
  const { negative, magnitude } = scan(s, 10);
  const v = negative ? -magnitude : magnitude;
  return Number(BigInt.asIntN(32, v));
}

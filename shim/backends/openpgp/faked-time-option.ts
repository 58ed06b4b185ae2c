// --faked-system-time as gpg would apply it. The classification carries it when the classifier knows it; until then
// the command line is searched for it (gpg accepts unique prefixes down to `--fak`).
import type { Classification } from '../../argv/types.js';

function isFakedTimeOption(name: string): boolean {
  return name.length >= 5 && '--faked-system-time'.startsWith(name);
}

export function fakedTimeValue(c: Classification, argv: readonly string[]): string | null {
  const known = (c as unknown as { fakedSystemTime?: unknown }).fakedSystemTime;
  if (typeof known === 'string') return known;
  let value: string | null = null;
  for (let i = 0; i < Math.min(c.optionsEnd, argv.length); i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    if (eq > 0 && isFakedTimeOption(arg.slice(0, eq))) value = arg.slice(eq + 1);
    else if (isFakedTimeOption(arg) && i + 1 < argv.length) value = argv[++i]!;
  }
  return value;
}

// How gpg 2.2 reads a --local-user value (common/userids.c classify_user_id), for the OpenPGP search modes.

export type UserIdSpec =
  | { mode: 'short-kid' | 'long-kid' | 'fpr16' | 'fpr20'; hex: string; exact: boolean }
  /** Case-insensitive substring of a user ID (the default, and `*`). */
  | { mode: 'substr'; text: string }
  /** `=`: the whole user ID, byte for byte. */
  | { mode: 'exact'; text: string }
  /** `<`: the address inside <…>, case-insensitively equal. */
  | { mode: 'mail'; text: string }
  /** `@`: a case-insensitive substring of the address inside <…>. */
  | { mode: 'mailsub'; text: string }
  /** Modes gpg parses but that never match an OpenPGP key here (`.`, `+`, `#`, `/`, `^`, `&`). */
  | { mode: 'never'; text: string };

/** null: gpg rejects the value ("Invalid user ID"). */
export function parseUserIdSpec(value: string): UserIdSpec | null {
  const s = value.replace(/^[ \t]+/, '');
  if (s === '') return null;
  const spec = classify(s);
  // gpg 2.2 searches a copy without the trailing blanks, but frees that copy before it searches: a text search with
  // trailing blanks matches nothing (observed; key IDs and fingerprints are parsed before the copy goes).
  if (spec && 'text' in spec && /[ \t]$/.test(s)) return { mode: 'never', text: spec.text };
  return spec;
}

function classify(s: string): UserIdSpec | null {
  const rest = s.slice(1);
  switch (s[0]) {
    case '.':
    case '+':
    case '#':
    case '^':
      return { mode: 'never', text: rest };
    case '/':
      return rest === '' || /^[ \t]/.test(rest) ? null : { mode: 'never', text: rest };
    case '<':
      return { mode: 'mail', text: rest.endsWith('>') ? rest.slice(0, -1) : rest };
    case '@':
      return { mode: 'mailsub', text: rest };
    case '=':
      return { mode: 'exact', text: rest };
    case '*':
      return { mode: 'substr', text: rest };
    case '&':
      // A keygrip: valid syntax never matches here (this backend does not compute keygrips).
      return /^[0-9a-fA-F]{40}/.test(rest) ? { mode: 'never', text: rest } : null;
  }
  return parseHex(s);
}

function parseHex(original: string): UserIdSpec | null {
  let s = original;
  const prefixed = s.startsWith('0x') || s.startsWith('0X');
  if (prefixed) s = s.slice(2);
  const digits = /^[0-9a-fA-F]*/.exec(s)![0];
  // gpg takes a hex number (optionally with `!`) followed by nothing but blanks; anything else is text.
  const tail = s.slice(digits.length);
  const exact = digits.length >= 8 && tail.startsWith('!');
  const terminated = /^[ \t]*$/.test(exact ? tail.slice(1) : tail);
  if (digits.length > 0 && terminated) {
    const kinds: [number, 'short-kid' | 'long-kid' | 'fpr16' | 'fpr20'][] = [
      [8, 'short-kid'],
      [16, 'long-kid'],
      [32, 'fpr16'],
      [40, 'fpr20'],
    ];
    for (const [len, mode] of kinds) {
      if (digits.length === len) return { mode, hex: digits.toUpperCase(), exact };
      // One leading zero is allowed without the 0x prefix ("0" + a short key id, …).
      if (!prefixed && digits.length === len + 1 && digits[0] === '0') {
        return { mode, hex: digits.slice(1).toUpperCase(), exact };
      }
    }
  }
  // "0x" and then anything but a hex key id or fingerprint is an error.
  if (prefixed) return null;
  // A v4 fingerprint written with blanks, as gpg prints it: 40 hex digits and 9 or 10 spaces.
  const trimmed = s.replace(/ +$/, '');
  if (/^[0-9a-fA-F ]+$/.test(trimmed) && (trimmed.length === 49 || trimmed.length === 50)) {
    const hex = trimmed.replace(/ /g, '');
    if (hex.length === 40) return { mode: 'fpr20', hex: hex.toUpperCase(), exact: false };
  }
  return { mode: 'substr', text: s };
}

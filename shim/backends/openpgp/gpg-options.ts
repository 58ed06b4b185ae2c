// The options in effect (config files first, then the command line) that change a data signature beyond what the
// classification describes. The backend honours the ones it can (personal-digest-preferences) and refuses the rest,
// rather than make a signature that differs from gpg's.
import { readFileSync } from 'node:fs';
import { argType, exactOption, findLongOption, OPT_OPTIONAL, shortOption } from '../../argv/option-table.js';
import type { Classification } from '../../argv/types.js';

interface SetOption {
  /** Canonical long name (aliases folded), or `-z`. */
  name: string;
  value: string | null;
}

function canonicalName(entryName: string | null, canonical: string): string {
  return canonical || entryName || '';
}

function parseArgv(argv: readonly string[], end: number): SetOption[] {
  const out: SetOption[] = [];
  for (let i = 0; i < end; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const entry = findLongOption(eq < 0 ? arg.slice(2) : arg.slice(2, eq));
      if (entry === undefined || entry === 'ambiguous') continue;
      let value: string | null = null;
      if (argType(entry) !== 0) {
        if (eq >= 0) value = arg.slice(eq + 1);
        else if (entry.flags & OPT_OPTIONAL) {
          if (i + 1 < end && !argv[i + 1]!.startsWith('-')) value = argv[++i]!;
        } else if (i + 1 < argv.length) value = argv[++i]!;
      }
      out.push({ name: canonicalName(entry.name, entry.canonical), value });
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const entry = shortOption(arg.charCodeAt(j));
        if (!entry) break;
        let value: string | null = null;
        if (argType(entry) !== 0) {
          value = j + 1 < arg.length ? arg.slice(j + 1) : (argv[++i] ?? null);
          out.push({ name: canonicalName(entry.name, entry.canonical), value });
          break;
        }
        out.push({ name: canonicalName(entry.name, entry.canonical), value });
      }
    } else break;
  }
  return out;
}

function parseConfig(path: string): SetOption[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const out: SetOption[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const entry = exactOption(m[1]!);
    if (!entry) continue;
    const value = m[2]!.replace(/^"(.*)"$/, '$1');
    out.push({ name: canonicalName(entry.name, entry.canonical), value: value === '' ? null : value });
  }
  return out;
}

/** Options gpg would apply to this call, in the order it applies them. */
export function optionsInEffect(c: Classification, argv: readonly string[]): SetOption[] {
  return [...c.configFiles.flatMap(parseConfig), ...parseArgv(argv, c.optionsEnd)];
}

// What each option does to a data signature, and the options that undo it (the last one wins).
interface Rule {
  what: string;
  /** Whether it matters for this call. */
  applies(c: Classification, value: string | null): boolean;
  undoneBy: string[];
}

const always = () => true;
const inline = (c: Classification) => c.mode === 'inline';
const clearsign = (c: Classification) => c.mode === 'clearsign';
const armored = (c: Classification) => c.armor || c.mode === 'clearsign';

const RULES: Record<string, Rule> = {
  'default-key': { what: '--default-key', applies: (c) => c.localUsers.length === 0, undoneBy: [] },
  'personal-compress-preferences': { what: '--personal-compress-preferences', applies: inline, undoneBy: [] },
  'sig-notation': { what: 'signature notations', applies: always, undoneBy: [] },
  'set-notation': { what: 'signature notations', applies: always, undoneBy: [] },
  'sig-policy-url': { what: 'signature policy URLs', applies: always, undoneBy: [] },
  'set-policy-url': { what: 'signature policy URLs', applies: always, undoneBy: [] },
  'sig-keyserver-url': { what: '--sig-keyserver-url', applies: always, undoneBy: [] },
  'default-sig-expire': { what: 'signature expiry', applies: (_c, v) => v !== null && v !== '0', undoneBy: [] },
  'ask-sig-expire': { what: '--ask-sig-expire', applies: (c) => !c.batch, undoneBy: ['no-ask-sig-expire'] },
  rfc2440: { what: 'compliance modes other than gnupg', applies: always, undoneBy: ['gnupg'] },
  rfc4880: { what: 'compliance modes other than gnupg', applies: always, undoneBy: ['gnupg'] },
  rfc4880bis: { what: 'compliance modes other than gnupg', applies: always, undoneBy: ['gnupg'] },
  openpgp: { what: 'compliance modes other than gnupg', applies: always, undoneBy: ['gnupg'] },
  pgp6: { what: 'compliance modes other than gnupg', applies: always, undoneBy: ['gnupg'] },
  pgp7: { what: 'compliance modes other than gnupg', applies: always, undoneBy: ['gnupg'] },
  pgp8: { what: 'compliance modes other than gnupg', applies: always, undoneBy: ['gnupg'] },
  compliance: { what: '--compliance', applies: (_c, v) => v !== 'gnupg', undoneBy: ['gnupg'] },
  'no-literal': { what: '--no-literal', applies: inline, undoneBy: [] },
  'set-filesize': { what: '--set-filesize', applies: inline, undoneBy: [] },
  'compress-algo': { what: 'choosing the compression', applies: inline, undoneBy: [] },
  'compress-level': { what: 'choosing the compression', applies: inline, undoneBy: [] },
  'bzip2-compress-level': { what: 'choosing the compression', applies: inline, undoneBy: [] },
  '-z': { what: 'choosing the compression', applies: inline, undoneBy: [] },
  'not-dash-escaped': { what: '--not-dash-escaped', applies: clearsign, undoneBy: [] },
  'no-escape-from-lines': { what: '--no-escape-from-lines', applies: clearsign, undoneBy: ['escape-from-lines'] },
  'include-key-block': { what: '--include-key-block', applies: always, undoneBy: ['no-include-key-block'] },
  sender: { what: '--sender', applies: always, undoneBy: [] },
  'disable-signer-uid': { what: '--disable-signer-uid', applies: always, undoneBy: [] },
  'rfc2440-text': { what: '--rfc2440-text', applies: (c) => c.textmode, undoneBy: ['no-rfc2440-text'] },
  'emit-version': { what: '--emit-version', applies: armored, undoneBy: ['no-emit-version'] },
  comment: {
    what: 'armor comments',
    applies: (c, v) => armored(c) && !!v,
    undoneBy: ['no-comments', 'default-comment'],
  },
  'for-your-eyes-only': { what: '--for-your-eyes-only', applies: inline, undoneBy: ['no-for-your-eyes-only'] },
  'ignore-valid-from': { what: '--ignore-valid-from', applies: always, undoneBy: [] },
  'status-file': { what: '--status-file', applies: always, undoneBy: [] },
  'logger-file': { what: '--logger-file', applies: always, undoneBy: [] },
  'attribute-file': { what: '--attribute-file', applies: always, undoneBy: [] },
};

export interface OptionVerdict {
  /** An option in effect this backend cannot honour, named for the message; null if none. */
  unsupported: string | null;
  /** --personal-digest-preferences in effect, as written, or null. */
  personalDigest: string | null;
}

export function judgeOptions(c: Classification, argv: readonly string[]): OptionVerdict {
  const active = new Map<string, SetOption>();
  let personalDigest: string | null = null;
  for (const o of optionsInEffect(c, argv)) {
    for (const [name, rule] of Object.entries(RULES)) if (rule.undoneBy.includes(o.name)) active.delete(name);
    if (o.name === 'personal-digest-preferences') {
      personalDigest = o.value;
    } else if (RULES[o.name]) active.set(o.name, o);
  }
  for (const [name, o] of active) {
    const rule = RULES[name]!;
    if (rule.applies(c, o.value)) return { unsupported: rule.what, personalDigest };
  }
  return { unsupported: null, personalDigest };
}

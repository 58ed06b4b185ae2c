// gpg's command-line parser, ported from libgpg-error 1.46 argparse.c arg_parse(): long options by exact name or
// unique prefix, `--opt=value`, required arguments that swallow the next item even if it starts with '-', the
// optional argument of --passphrase, short clusters, and the stop at `--` or the first non-option.
import { parseCInt, parseCLong, parseCULong } from './c-strtol.js';
import {
  ARG_INT,
  ARG_LONG,
  ARG_NONE,
  ARG_ULONG,
  OPT_OPTIONAL,
  OPT_PREFIX,
  argType,
  findLongOption,
  shortOption,
  type OptionEntry,
} from './option-table.js';

export type ParseErrorCode = 'invalid-option' | 'ambiguous' | 'missing-argument' | 'invalid-argument';

export interface ParsedOption {
  kind: 'option';
  entry: OptionEntry;
  /** The argument as written, or null when the option has none (or its optional one was not given). */
  value: string | null;
  /** For int-typed options: the value as gpg's strtol reads it. */
  number: number | null;
  /** Index of the argv item holding the option. */
  index: number;
  /** Index of the argv item holding the value (the same item for `--opt=v` and `-uKEY`), or null. */
  valueIndex: number | null;
  /** `--opt=value` on an option without argument: the value is ignored, but argparse no longer sees
   * `--no-options=x` as its own option (gpg then calls it invalid). */
  ignoredValue?: true;
}

export interface ParseError {
  kind: 'error';
  code: ParseErrorCode;
  /** The argv item as gpg names it in its message (the whole cluster for a short option). */
  item: string;
  index: number;
  entry: OptionEntry | null;
}

/** `-h` or `-?`, which argparse answers with the help text (exit 0) when no option has that letter. */
export interface ParsedHelp {
  kind: 'help';
  item: string;
  index: number;
}

export type ArgvItem = ParsedOption | ParseError | ParsedHelp;

export interface ParsedArgv {
  items: ArgvItem[];
  /** Index of the `--` that ended the options, or of the first non-option, or argv.length. */
  optionsEnd: number;
  /** Index of the first non-option argument (after a `--`), or argv.length. */
  argsStart: number;
  /** A `--` ended the options (gpg then prints no "not considered an option" notes). */
  stopSeen: boolean;
}

/** argparse.c set_opt_arg for the numeric types; null when the value is out of range ("invalid argument"). */
export function numericValue(entry: OptionEntry, value: string): { ok: boolean; number: number | null } {
  const base = entry.flags & OPT_PREFIX ? 0 : 10;
  switch (argType(entry)) {
    case ARG_INT: {
      const n = parseCInt(value, base);
      return { ok: n !== null, number: n };
    }
    case ARG_LONG: {
      const n = parseCLong(value, base);
      return { ok: n !== null, number: n === null ? null : Number(n) };
    }
    case ARG_ULONG: {
      const n = parseCULong(value, base);
      return { ok: n !== null, number: n === null ? null : Number(n) };
    }
    default:
      return { ok: true, number: null };
  }
}

function withValue(entry: OptionEntry, value: string, index: number, valueIndex: number, item: string): ArgvItem {
  const { ok, number } = numericValue(entry, value);
  if (!ok) return { kind: 'error', code: 'invalid-argument', item, index, entry };
  return { kind: 'option', entry, value, number, index, valueIndex };
}

/** Parses the whole option part of argv (without the program name), collecting errors instead of stopping. */
export function parseArgv(argv: readonly string[]): ParsedArgv {
  const items: ArgvItem[] = [];
  let idx = 0;
  while (idx < argv.length) {
    const s = argv[idx] ?? '';
    if (s.startsWith('--')) {
      if (s.length === 2) return { items, optionsEnd: idx, argsStart: idx + 1, stopSeen: true };
      const eq = s.indexOf('=', 2);
      const found = findLongOption(eq >= 0 ? s.slice(2, eq) : s.slice(2));
      if (found === 'ambiguous' || found === undefined) {
        items.push({ kind: 'error', code: found ? 'ambiguous' : 'invalid-option', item: s, index: idx, entry: null });
      } else if (argType(found) !== ARG_NONE) {
        const optional = (found.flags & OPT_OPTIONAL) !== 0;
        let s2: string | null;
        if (eq >= 0) s2 = s.slice(eq + 1) || null;
        else s2 = argv[idx + 1] ?? null;
        if (s2 === null && optional) {
          items.push({ kind: 'option', entry: found, value: null, number: null, index: idx, valueIndex: null });
        } else if (s2 === null) {
          items.push({ kind: 'error', code: 'missing-argument', item: s, index: idx, entry: found });
        } else if (eq < 0 && s2.startsWith('-') && optional) {
          // "The argument is optional and the next seems to be an option": not consumed.
          items.push({ kind: 'option', entry: found, value: null, number: null, index: idx, valueIndex: null });
        } else {
          items.push(withValue(found, s2, idx, eq >= 0 ? idx : idx + 1, s));
          if (eq < 0) idx++;
        }
      } else {
        // A value on an option that takes none is ignored (`--sign=foo` signs).
        items.push({
          kind: 'option',
          entry: found,
          value: null,
          number: null,
          index: idx,
          valueIndex: null,
          ...(eq >= 0 ? { ignoredValue: true as const } : {}),
        });
      }
      idx++;
    } else if (s.startsWith('-') && s.length > 1) {
      let pos = 1;
      let consumedNext = false;
      while (pos < s.length) {
        const c = s.charCodeAt(pos);
        const entry = shortOption(c);
        if (!entry) {
          if (c === 0x68 || c === 0x3f) items.push({ kind: 'help', item: s, index: idx });
          else items.push({ kind: 'error', code: 'invalid-option', item: s, index: idx, entry: null });
          pos++;
          continue;
        }
        if (argType(entry) === ARG_NONE) {
          items.push({ kind: 'option', entry, value: null, number: null, index: idx, valueIndex: null });
          pos++;
          continue;
        }
        // An argument-taking letter swallows the rest of the cluster, or else the next item.
        if (pos + 1 < s.length) {
          items.push(withValue(entry, s.slice(pos + 1), idx, idx, s));
        } else {
          const s2 = argv[idx + 1];
          const optional = (entry.flags & OPT_OPTIONAL) !== 0;
          if (s2 === undefined && optional) {
            items.push({ kind: 'option', entry, value: null, number: null, index: idx, valueIndex: null });
          } else if (s2 === undefined) {
            items.push({ kind: 'error', code: 'missing-argument', item: s, index: idx, entry });
          } else if (s2.startsWith('-') && s2.length > 1 && optional) {
            items.push({ kind: 'option', entry, value: null, number: null, index: idx, valueIndex: null });
          } else {
            items.push(withValue(entry, s2, idx, idx + 1, s));
            consumedNext = true;
          }
        }
        break;
      }
      idx += consumedNext ? 2 : 1;
    } else {
      // The first non-option (including "-" for stdin and "") ends the options.
      return { items, optionsEnd: idx, argsStart: idx, stopSeen: false };
    }
  }
  return { items, optionsEnd: argv.length, argsStart: argv.length, stopSeen: false };
}

/** gpg's wording for a command-line parse error (argparse.c initialize()), without the "gpg: " prefix. */
export function parseErrorMessage(e: ParseError): string {
  const s = e.item.length > 50 ? e.item.slice(0, 50) : e.item;
  switch (e.code) {
    case 'missing-argument':
      return `missing argument for option "${s}"`;
    case 'invalid-argument':
      return `invalid argument for option "${s}"`;
    case 'ambiguous':
      return `option "${s}" is ambiguous`;
    case 'invalid-option':
      return `invalid option "${s}"`;
  }
}

// gpg's option table as its argument parser (libgpg-error's argparse.c) sees it, built once from the generated JSON.
import tableFile from './option-table.json' with { type: 'json' };
import type { OptionTableFile } from './option-table-data.js';

/** Low 3 bits of the flags: the argument type. */
export const ARG_NONE = 0;
export const ARG_INT = 1;
export const ARG_STRING = 2;
export const ARG_LONG = 3;
export const ARG_ULONG = 4;
export const TYPE_MASK = 7;
export const OPT_OPTIONAL = 8;
/** Numbers may be written 0x… or 0… (strtoul base 0). */
export const OPT_PREFIX = 16;
/** libgpg-error's ARGPARSE_OPT_IGNORE; gpg 2.2's main loop has no case for these (`--strict` is "invalid option"). */
export const OPT_IGNORE = 64;
export const OPT_COMMAND = 128;
/** `--options FILE` and `--no-options`: handled by the parser itself. */
export const OPT_CONFFILE = 256;
/** Section headers of --help ("Monitor", "Output", …): listed as options with short code 1. */
export const OPT_HEADER = 512;

/** Short codes of the options libgpg-error adds itself (argparse.c ARGPARSE_SHORTOPT_*). */
export const SHORT_HELP = 32768;
export const SHORT_VERSION = 32769;
export const SHORT_WARRANTY = 32770;
export const SHORT_DUMP_OPTIONS = 32771;
export const SHORT_DUMP_OPTTBL = 32772;

export interface OptionEntry {
  /** Position in the parser's table: config-file attributes ([ignore], [force]) belong to one entry, not to a code. */
  index: number;
  /** Long name, or null for a short-only option. */
  name: string | null;
  /** gpg's option code: a letter for options with a short form, a number ≥ 256 otherwise. */
  short: number;
  flags: number;
  /** First long name with the same code and flags (aliases: `clearsign` → `clear-sign`); `-z` for short-only ones. */
  canonical: string;
}

const file = tableFile as OptionTableFile;

/** The gpg version the table came from ("2.2.40"); gpg.conf-2.2.40, gpg.conf-2.2, gpg.conf-2 derive from it. */
export const GPG_VERSION = file.gpgVersion;

export const ENTRIES: readonly OptionEntry[] = [];
const BY_NAME = new Map<string, OptionEntry>();
const BY_SHORT = new Map<number, OptionEntry>();

// Built in one pass at every start of the shim, so kept cheap: a numeric key for (code, flags), no intermediate arrays.
function addEntry(e: OptionEntry): void {
  (ENTRIES as OptionEntry[]).push(e);
  if (e.name !== null && !BY_NAME.has(e.name)) BY_NAME.set(e.name, e);
  // The parser takes the first entry with the code; only ASCII letters can be written in a short cluster.
  if (e.short < 128 && !BY_SHORT.has(e.short)) BY_SHORT.set(e.short, e);
}
{
  const canonicalOf = new Map<number, string>();
  const rows = file.options;
  // Indexed rather than destructured: this runs in the interpreter, where destructuring goes through an iterator.
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as OptionTableFile['options'][number];
    const name = row[0];
    const short = row[1];
    const flags = row[2];
    const key = short * 65536 + flags; // flags < 65536
    let canonical = canonicalOf.get(key);
    if (canonical === undefined) canonicalOf.set(key, (canonical = name));
    addEntry({ index: ENTRIES.length, name, short, flags, canonical });
  }
  // Short-only options have no long name, so their place among the long names does not matter.
  for (const s of file.shortOnly) {
    addEntry({
      index: ENTRIES.length,
      name: null,
      short: s.letter.charCodeAt(0),
      flags: s.flags,
      canonical: `-${s.letter}`,
    });
  }
}

/** The entry with exactly this long name (config files allow no abbreviation). */
export function exactOption(name: string): OptionEntry | undefined {
  return BY_NAME.get(name);
}

/** argparse.c find_long_option: exact match first, then a unique prefix; aliases (same code and flags) don't count twice. */
export function findLongOption(keyword: string): OptionEntry | 'ambiguous' | undefined {
  if (!keyword) return undefined;
  const exact = BY_NAME.get(keyword);
  if (exact) return exact;
  let first: OptionEntry | undefined;
  for (const e of ENTRIES) {
    if (e.name === null || !e.name.startsWith(keyword)) continue;
    if (!first) first = e;
    else if (!(e.short === first.short && e.flags === first.flags)) return 'ambiguous';
  }
  return first;
}

/** The option for a letter in a short cluster (a char code; non-ASCII never matches, as a negative C char). */
export function shortOption(code: number): OptionEntry | undefined {
  return BY_SHORT.get(code);
}

/** An option's code by its long name; throws at start-up if gpg ever drops a name this module relies on. */
export function codeOf(name: string): number {
  const e = BY_NAME.get(name);
  if (!e) throw new Error(`gpg option table has no --${name}`);
  return e.short;
}

export function argType(e: OptionEntry): number {
  return e.flags & TYPE_MASK;
}

// The format of option-table.json and how `gpg --dump-option-table` turns into it. Shared by the generator, the
// runtime table and the test that compares the committed table with the installed gpg.

/** One row of `gpg --dump-option-table`: `name:short:flags:description:` (description %-escaped by gpg). */
export type DumpedOption = [name: string, short: number, flags: number, description: string];

/** A short option without a long name: `--dump-option-table` skips those, so they are listed by hand. */
export interface ShortOnlyOption {
  letter: string;
  /** Same meaning as the dumped flags (low 3 bits: argument type). */
  flags: number;
  why: string;
}

export interface OptionTableFile {
  /** `gpg --version` of the gpg the table came from; the versioned config names gpg.conf-X.Y.Z derive from it. */
  gpgVersion: string;
  source: string;
  options: DumpedOption[];
  shortOnly: ShortOnlyOption[];
}

/**
 * g10/gpg.c declares two options with a NULL long name: `ARGPARSE_s_i (oCompress, NULL, …)` ('z', int) and
 * `ARGPARSE_s_n (oTextmodeShort, NULL, "@")` ('t'). test/argv/option-table.test.ts probes every letter of the installed
 * gpg to keep this list honest.
 */
export const SHORT_ONLY_OPTIONS: ShortOnlyOption[] = [
  { letter: 'z', flags: 1, why: 'compress level (ARGPARSE_s_i oCompress, no long name)' },
  { letter: 't', flags: 0, why: 'text mode (ARGPARSE_s_n oTextmodeShort, no long name)' },
];

export function parseDumpedTable(dump: string): DumpedOption[] {
  const rows: DumpedOption[] = [];
  for (const line of dump.split('\n')) {
    if (!line) continue;
    const m = /^([^:]*):(\d+):(\d+):(.*):$/.exec(line);
    if (!m) throw new Error(`unexpected --dump-option-table line: ${line}`);
    rows.push([m[1] ?? '', Number(m[2]), Number(m[3]), m[4] ?? '']);
  }
  return rows;
}

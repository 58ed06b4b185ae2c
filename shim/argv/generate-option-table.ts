// Writes shim/argv/option-table.json from the installed gpg's own table (`gpg --dump-option-table`), so the shim
// parses argv with exactly the names, short letters and argument types of the gpg it stands in for.
// Usage: npm run gen:option-table [-- GPG [OUT]]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHORT_ONLY_OPTIONS, parseDumpedTable, type OptionTableFile } from './option-table-data.js';

/** `gpg --dump-option-table` and `gpg --version` of the given gpg, as the committed JSON holds them. */
export function readOptionTable(gpg = 'gpg'): OptionTableFile {
  const env = { ...process.env, LC_ALL: 'C', LANGUAGE: '' };
  const dump = execFileSync(gpg, ['--dump-option-table'], { encoding: 'utf8', env });
  const version = execFileSync(gpg, ['--version'], { encoding: 'utf8', env });
  // "gpg (GnuPG) 2.2.40": the third field of the first line, the same string gpg uses for gpg.conf-VERSION.
  const gpgVersion = version.split('\n')[0]?.split(' ')[2];
  if (!gpgVersion) throw new Error(`cannot read the version from \`${gpg} --version\``);
  return {
    gpgVersion,
    source: 'gpg --dump-option-table',
    options: parseDumpedTable(dump),
    shortOnly: SHORT_ONLY_OPTIONS,
  };
}

/** One option per line, so that a change of gpg shows up as a readable diff. */
export function formatTable(table: OptionTableFile): string {
  const row = (r: unknown): string =>
    Array.isArray(r) ? `[${r.map((x) => JSON.stringify(x)).join(', ')}]` : JSON.stringify(r);
  const rows = (items: unknown[]): string => items.map((r) => `    ${row(r)}`).join(',\n');
  return [
    '{',
    `  "gpgVersion": ${JSON.stringify(table.gpgVersion)},`,
    `  "source": ${JSON.stringify(table.source)},`,
    `  "options": [\n${rows(table.options)}\n  ],`,
    `  "shortOnly": [\n${rows(table.shortOnly)}\n  ]`,
    '}',
    '',
  ].join('\n');
}

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const gpg = process.argv[2] ?? 'gpg';
  // From dist/ the default target is the source tree's shim/argv.
  const out = process.argv[3] ?? join(here, here.endsWith('dist') ? '../shim/argv' : '.', 'option-table.json');
  const table = readOptionTable(gpg);
  writeFileSync(out, formatTable(table));
  process.stdout.write(`${out}: ${table.options.length} options from gpg ${table.gpgVersion}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

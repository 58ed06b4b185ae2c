// Generates man/gpg-gate.1 and man/gpg-gate-shim.1 from one source: the built CLI's --help for every subcommand
// (synopsis, commands, arguments, options) and man/source.mjs for what --help cannot say. The README's exit-status
// and environment tables, its subcommands and the options of `run` are checked against the same source.
//
//   node man/generate.mjs [--cli FILE]            write the pages (FILE: the CLI bundle, default dist/gpg-gate.js)
//   node man/generate.mjs [--cli FILE] --check    exit 1 if a committed page or the README differs from the source
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gpgGate, shim } from './source.mjs';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const PAGES = ['gpg-gate.1', 'gpg-gate-shim.1'];

/** The --help of `gpg-gate ARGS`, as commander prints it to a pipe (80 columns). */
export function helpText(cli, args = []) {
  const r = spawnSync(process.execPath, [cli, ...args, '--help'], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cli} ${[...args, '--help'].join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/**
 * commander's help: `Usage: …`, a description, then sections (`Options:`, `Arguments:`, `Commands:`) of entries, a
 * term and its description in two columns, the description wrapped onto lines indented to its column.
 */
export function parseHelp(text) {
  const lines = text.replace(/\n+$/, '').split('\n');
  const usage = /^Usage: (.*)$/.exec(lines[0] ?? '')?.[1];
  if (!usage) throw new Error(`not commander's help: ${lines[0]}`);
  const help = { usage, description: '', sections: {} };
  let i = 1;
  const paragraph = [];
  for (; i < lines.length && !/^\S.*:$/.test(lines[i]); i++) if (lines[i].trim()) paragraph.push(lines[i].trim());
  help.description = paragraph.join(' ');
  let section = null;
  let column = 0;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    const heading = /^(\S.*):$/.exec(line);
    if (heading) {
      section = help.sections[heading[1]] = [];
      continue;
    }
    if (!section) throw new Error(`help line outside a section: ${line}`);
    const entry = /^( {2})(\S(?:.*?\S)?)( {2,}|$)(.*)$/.exec(line);
    const indent = /^ */.exec(line)[0].length;
    if (section.length > 0 && indent >= column && indent > 2) {
      const last = section[section.length - 1];
      last.description = `${last.description} ${line.trim()}`.trim();
    } else if (entry) {
      column = entry[1].length + entry[2].length + entry[3].length;
      section.push({ term: entry[2], description: entry[4].trim() });
    } else {
      throw new Error(`cannot read help line: ${line}`);
    }
  }
  return help;
}

/** The top-level help and that of every subcommand (not `help` itself), in the order --help lists them. */
export function collectHelp(cli) {
  const top = parseHelp(helpText(cli));
  const commands = (top.sections.Commands ?? [])
    .map((c) => c.term.split(' ')[0])
    .filter((name) => name !== 'help')
    .map((name) => ({ name, ...parseHelp(helpText(cli, [name])) }));
  return { top, commands };
}

// ---------------------------------------------------------------------------------------------------------------
// roff

const CHARACTERS = {
  '—': '\\(em',
  '–': '\\(en',
  '…': '.\\|.\\|.',
  '≥': '\\(>=',
  '≤': '\\(<=',
  '→': '\\(->',
  '·': '\\(pc',
  '×': '\\(mu',
  '’': "'",
};

/** Escapes text for roff: backslashes, non-ASCII characters (only known ones), hyphens of options. */
function escape(text, { allHyphens = false } = {}) {
  let out = text.replace(/\\/g, '\\e');
  out = out.replace(/[^\x20-\x7e]/gu, (c) => {
    const r = CHARACTERS[c];
    if (r === undefined) throw new Error(`no roff for ${JSON.stringify(c)} (U+${c.codePointAt(0).toString(16)})`);
    return r;
  });
  if (allHyphens) return out.replace(/-/g, '\\-');
  // An option (a word that starts with '-') or a path ('/', '~', '$'): its hyphens are minus signs, ASCII '-' when
  // copied from the page. The hyphens of words stay hyphens.
  return out.replace(/(^|[\s(["'=])([-/~$][^\s)"',;]*)/g, (_, pre, word) => pre + word.replace(/-/g, '\\-'));
}

/** The README's inline markup (`code`, **strong**, *emphasis*) as roff fonts. */
export function inline(text) {
  return text
    .split(/(`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*)/)
    .map((part) => {
      if (part.startsWith('`')) return `\\fB${escape(part.slice(1, -1), { allHyphens: true })}\\fR`;
      if (part.startsWith('**')) return `\\fB${escape(part.slice(2, -2))}\\fR`;
      if (part.startsWith('*') && part.length > 1) return `\\fI${escape(part.slice(1, -1), { allHyphens: true })}\\fR`;
      return escape(part);
    })
    .join('');
}

/** A text line that roff must not read as a request. */
const line = (text) => (/^[.']/.test(text) ? `\\&${text}` : text);

/** A commander term or usage: <placeholders> italic, option names bold. */
function term(text) {
  return text
    .split(/(<[^>]+>|\[options\]|(?<![\w-])-{1,2}[A-Za-z][-\w]*)/)
    .map((part) => {
      if (/^<.+>$/.test(part)) return `\\fI${escape(part.slice(1, -1))}\\fR`;
      if (part === '[options]') return '[\\fIoptions\\fR]';
      if (/^-/.test(part)) return `\\fB${escape(part, { allHyphens: true })}\\fR`;
      return escape(part, { allHyphens: true });
    })
    .join('');
}

/** Fill-mode text as source lines of at most 100 characters, broken at spaces: roff joins them again. */
function text(roff) {
  const out = [];
  let current = '';
  for (const word of roff.split(' ')) {
    if (current && current.length + 1 + word.length > 100) {
      out.push(line(current));
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) out.push(line(current));
  return out;
}

const paragraphs = (list) => list.flatMap((p, i) => [...(i > 0 ? ['.PP'] : []), ...text(inline(p))]);
const tagged = (list, font) =>
  list.flatMap(([tag, body]) => ['.TP', `${font}${escape(tag, { allHyphens: true })}\\fR`, ...text(inline(body))]);
const header = (name, version, title) => [
  `.\\" Generated by man/generate.mjs from man/source.mjs and the --help of gpg-gate ${version}: do not edit.`,
  `.TH ${escape(name.toUpperCase(), { allHyphens: true })} 1 "" "gpg\\-gate ${version}" "${title}"`,
  // Option and variable names are long: no hyphenation, no justification.
  '.nh',
  '.ad l',
];

export function renderGpgGate({ top, commands }, version) {
  const out = [...header('gpg-gate', version, 'User Commands')];
  out.push('.SH NAME', `gpg\\-gate \\- ${escape(top.description)}`);
  out.push('.SH SYNOPSIS');
  commands.forEach((c, i) => {
    if (i > 0) out.push('.br');
    const [, rest] = /^gpg-gate \S+ ?(.*)$/.exec(c.usage) ?? [];
    if (rest === undefined) throw new Error(`unexpected usage line: ${c.usage}`);
    out.push(`\\fBgpg\\-gate ${escape(c.name, { allHyphens: true })}\\fR ${term(rest)}`.trimEnd());
  });
  out.push('.br', `\\fBgpg\\-gate\\fR ${term(top.usage.replace(/^gpg-gate /, ''))}`);
  out.push('.SH DESCRIPTION', ...paragraphs(gpgGate.description));
  out.push('.SH OPTIONS');
  for (const o of top.sections.Options ?? []) out.push('.TP', term(o.term), ...text(escape(o.description)));
  out.push('.PP', 'Every command accepts \\fB\\-h\\fR, \\fB\\-\\-help\\fR.');
  out.push('.SH COMMANDS');
  for (const c of commands) {
    out.push(`.SS "${term(c.usage.replace(/^gpg-gate /, ''))}"`, ...text(escape(c.description)));
    for (const a of c.sections.Arguments ?? [])
      out.push('.TP', `\\fI${escape(a.term)}\\fR`, ...text(escape(a.description)));
    for (const o of c.sections.Options ?? []) {
      if (o.term === '-h, --help') continue;
      out.push('.TP', term(o.term), ...text(escape(o.description)));
    }
  }
  out.push('.SH "EXIT STATUS"', `\\fBgpg\\-gate run\\fR:`, ...tagged(gpgGate.runExitStatus, '\\fB'));
  out.push('.PP', ...paragraphs(gpgGate.otherExitStatus));
  out.push('.SH ENVIRONMENT', ...tagged(gpgGate.environment, '\\fB'));
  out.push('.SH FILES', ...tagged(gpgGate.files, '\\fI'));
  out.push('.SH EXAMPLES');
  gpgGate.examples.forEach(([intro, code], i) => {
    if (i > 0) out.push('.PP');
    out.push(...text(inline(intro)), '.PP', '.RS 4', '.nf');
    for (const c of code) out.push(line(escape(c, { allHyphens: true })));
    out.push('.fi', '.RE');
  });
  out.push('.SH "SEE ALSO"', ...text(inline(gpgGate.seeAlso)));
  return out.join('\n') + '\n';
}

export function renderShim(version) {
  const out = [...header('gpg-gate-shim', version, 'User Commands')];
  out.push('.SH NAME', `gpg\\-gate\\-shim \\- ${escape(shim.summary)}`);
  out.push('.SH SYNOPSIS', ...text(inline(shim.synopsis)));
  out.push('.SH DESCRIPTION', ...paragraphs(shim.description));
  out.push('.SH "READ-ONLY CALLS"', ...paragraphs(shim.passthrough));
  out.push('.SH "SIGNING CALLS"', ...paragraphs(shim.gated));
  out.push('.SH ENVIRONMENT', ...tagged(shim.environment, '\\fB'), '.PP', ...paragraphs(shim.environmentMore));
  out.push('.SH "EXIT STATUS"', ...paragraphs(shim.exitStatus));
  out.push('.SH FILES', ...tagged(shim.files, '\\fI'));
  out.push('.SH "SEE ALSO"', ...text(inline(shim.seeAlso)));
  return out.join('\n') + '\n';
}

export function version() {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
}

/** The pages, by file name under man/. */
export function generate(cli = join(ROOT, 'dist', 'gpg-gate.js')) {
  const help = collectHelp(cli);
  const v = version();
  return { help, pages: { 'gpg-gate.1': renderGpgGate(help, v), 'gpg-gate-shim.1': renderShim(v) } };
}

// ---------------------------------------------------------------------------------------------------------------
// the README

/** The rows of the Markdown table whose header row starts with `first` (cells trimmed, spaces collapsed). */
export function markdownTable(markdown, first) {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|') && l.split('|')[1]?.trim() === first);
  if (start < 0) return null;
  const rows = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++) {
    rows.push(
      lines[i]
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/\s+/g, ' ')),
    );
  }
  return rows;
}

const same = (a, b) => a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim();

/** Where the README says something else than the source and the --help. */
export function readmeProblems(readme, help) {
  const problems = [];
  const compare = (what, rows, expected, key = (s) => s) => {
    if (rows === null) return problems.push(`README: the ${what} table is missing`);
    const want = expected.map(([k, v]) => `${k} | ${v}`);
    const got = rows.map(([k = '', v = '']) => `${key(k)} | ${v}`);
    for (const w of want) if (!got.some((g) => same(g, w))) problems.push(`README ${what}: missing or different: ${w}`);
    for (const g of got)
      if (!want.some((w) => same(g, w))) problems.push(`README ${what}: not in man/source.mjs: ${g}`);
  };
  compare('`run` exit status', markdownTable(readme, '`run` exit status'), gpgGate.runExitStatus);
  compare('environment', markdownTable(readme, 'variable'), shim.environment, (k) => k.replace(/^`(.*)`$/, '$1'));
  for (const c of help.commands) {
    if (!readme.includes(`gpg-gate ${c.name}`)) problems.push(`README: never mentions gpg-gate ${c.name}`);
    for (const o of c.sections.Options ?? []) {
      const long = /--[\w-]+/.exec(o.term)?.[0];
      if (long && long !== '--help' && !new RegExp(`(?<![\\w-])${long}(?![\\w-])`).test(readme)) {
        problems.push(`README: never mentions ${c.name} ${long}`);
      }
    }
  }
  return problems;
}

/** Everything --check reports: pages that differ from a fresh generation, then README problems. */
export function check(cli) {
  const { help, pages } = generate(cli);
  const problems = [];
  for (const [name, text] of Object.entries(pages)) {
    let committed;
    try {
      committed = readFileSync(join(ROOT, 'man', name), 'utf8');
    } catch {
      problems.push(`man/${name} is missing`);
      continue;
    }
    if (committed === text) continue;
    const a = committed.split('\n');
    const b = text.split('\n');
    const at = a.findIndex((l, i) => l !== b[i]);
    problems.push(
      `man/${name} differs from the source at line ${at + 1}:\n  committed: ${a[at]}\n  generated: ${b[at]}`,
    );
  }
  problems.push(...readmeProblems(readFileSync(join(ROOT, 'README.md'), 'utf8'), help));
  return problems;
}

function main(argv) {
  const at = argv.indexOf('--cli');
  const cli = at >= 0 ? argv[at + 1] : undefined;
  if (argv.includes('--check')) {
    const problems = check(cli);
    for (const p of problems) process.stderr.write(`${p}\n`);
    if (problems.length > 0) {
      process.stderr.write('regenerate with: npm run build && node man/generate.mjs\n');
      process.exit(1);
    }
    return;
  }
  for (const [name, text] of Object.entries(generate(cli).pages)) writeFileSync(join(ROOT, 'man', name), text);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));

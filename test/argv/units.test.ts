// Pieces of the port that the corpus reaches only indirectly: C number parsing, the config-file state machine, the
// versioned config names and the home directory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cAtoi, parseCInt, parseCULong } from '../../shim/argv/c-strtol.js';
import { resolveHomedir, userConfigPath } from '../../shim/argv/config-files.js';
import { newMetaState } from '../../shim/argv/config-meta.js';
import { parseConfigText, type ConfigEvent } from '../../shim/argv/config-parser.js';

function parse(text: string): ConfigEvent[] {
  const events: ConfigEvent[] = [];
  parseConfigText(Buffer.from(text, 'utf8').toString('latin1'), newMetaState({}), (e) => events.push(e));
  return events;
}
const options = (text: string) =>
  parse(text).flatMap((e) => (e.kind === 'option' ? [[e.entry.canonical, e.value]] : []));
const warnings = (text: string) => parse(text).flatMap((e) => (e.kind === 'warning' ? [e.message] : []));

describe('C number parsing (argparse set_opt_arg)', () => {
  it('reads like strtol: white space, sign, digits, then stops', () => {
    expect(parseCInt('abc')).toBe(0);
    expect(parseCInt(' 12x')).toBe(12);
    expect(parseCInt('-7')).toBe(-7);
    expect(parseCInt('2147483647')).toBe(2147483647);
    expect(parseCInt('2147483648')).toBeNull();
    expect(parseCInt('99999999999999999999')).toBeNull();
    expect(parseCULong('0x10', 0)).toBe(16n);
    expect(parseCULong('010', 0)).toBe(8n);
    expect(parseCULong(' -1', 0)).toBeNull();
    expect(cAtoi('3 apples')).toBe(3);
  });
});

describe('config file lines', () => {
  it('takes keywords exactly, values trimmed, one pair of quotes removed', () => {
    expect(options('armor\n  local-user   "Name <n@example.invalid>"  \noutput "a" b"\n')).toEqual([
      ['armor', null],
      ['local-user', 'Name <n@example.invalid>'],
      ['output', 'a" b'],
    ]);
  });

  it('warns and goes on: unknown or abbreviated keywords, values where none belong, missing values', () => {
    expect(options('arm\nsign x\nlocal-user\ndetach-sign\n')).toEqual([['detach-sign', null]]);
    expect(warnings('arm\nsign x\nlocal-user\n')).toEqual([
      'invalid option',
      'argument not expected',
      'missing argument',
    ]);
  });

  it('treats # as a comment only at the start of a line', () => {
    expect(options('# sign\n   # sign\nsign # no\n')).toEqual([]);
  });

  it('refuses keywords of 100 or more bytes and reads the next line', () => {
    expect(warnings(`${'k'.repeat(99)}\n`)).toEqual(['invalid option']);
    expect(warnings(`${'k'.repeat(100)}\n`)).toEqual(['keyword too long']);
    expect(options(`${'k'.repeat(150)} x\nsign\n`)).toEqual([['sign', null]]);
  });

  it('honours ignore-invalid-option, a byte order mark, CRLF and a last line without newline', () => {
    expect(warnings('ignore-invalid-option foo bar\nfoo\nbar x\nbaz\n')).toEqual(['invalid option']);
    expect(options('\ufeffarmor\r\nsign')).toEqual([
      ['armor', null],
      ['sign', null],
    ]);
  });

  it('evaluates [if] blocks with variables, and [else] as libgpg-error does', () => {
    expect(options('[let v 3]\n[if $v > 2]\nsign\n[else]\nverify\n[fi]\n')).toEqual([['sign', null]]);
    // libgpg-error 1.46: an [else] after a false [if] stays inactive (measured with gpg, see the corpus).
    expect(options('[if $nothing]\nsign\n[else]\nverify\n[fi]\n')).toEqual([]);
    expect(options('[if 1 == 1]\nsign\n[else]\nverify\n[fi]\n')).toEqual([['sign', null]]);
    expect(options('[if 1 == 1]\n[if 0 == 1]\nsign\n[fi]\narmor\n[fi]\n')).toEqual([['armor', null]]);
    expect(warnings('[bogus]\n[ignore]\n[if]\n[]\n[fi] x\n')).toEqual([
      'unknown meta command',
      'unexpected meta command',
      'missing argument',
      'invalid meta command',
      'invalid meta command',
    ]);
  });

  it('expands variables in values only after [expand]', () => {
    expect(options('[let n x]\noutput $n.asc\n[expand]\noutput $n.asc\noutput $$n\n')).toEqual([
      ['output', '$n.asc'],
      ['output', 'x.asc'],
      ['output', '$n'],
    ]);
  });
});

describe('where the config files are', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-argv-units-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers gpg.conf-2.2.40, then -2.2, then -2, then gpg.conf', () => {
    expect(userConfigPath(dir)).toBe(`${dir}/gpg.conf`);
    writeFileSync(join(dir, 'gpg.conf-2'), '');
    expect(userConfigPath(dir)).toBe(`${dir}/gpg.conf-2`);
    writeFileSync(join(dir, 'gpg.conf-2.2.40'), '');
    expect(userConfigPath(dir)).toBe(`${dir}/gpg.conf-2.2.40`);
  });

  it('resolves the home like gnupg: --homedir, GNUPGHOME, ~/.gnupg; absolute, no trailing slash', () => {
    expect(resolveHomedir('/a/b/', { GNUPGHOME: '/x' }, '/cwd')).toBe('/a/b');
    expect(resolveHomedir('rel', {}, '/cwd')).toBe('/cwd/rel');
    expect(resolveHomedir(null, { GNUPGHOME: '/x' }, '/cwd')).toBe('/x');
    expect(resolveHomedir('', { GNUPGHOME: '/x' }, '/cwd')).toBe('/x');
    expect(resolveHomedir(null, { HOME: '/home/u' }, '/cwd')).toBe('/home/u/.gnupg');
    expect(resolveHomedir('~/g', { HOME: '/home/u' }, '/cwd')).toBe('/home/u/g');
    expect(resolveHomedir('~root/g', {}, '/cwd')).toBe('/root/g');
  });
});

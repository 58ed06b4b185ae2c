// The committed option table must be the installed gpg's: same names, codes, flags and version, and the short
// letters (which --dump-option-table does not list on their own) must behave as the table says.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatTable, readOptionTable } from '../../shim/argv/generate-option-table.js';
import {
  ARG_INT,
  ARG_NONE,
  argType,
  ENTRIES,
  findLongOption,
  GPG_VERSION,
  shortOption,
} from '../../shim/argv/option-table.js';
import { cleanEnv } from '../helpers/gnupg-home.js';
import { hasTool } from '../helpers/require-tool.js';

const haveGpg = hasTool('gpg');
if (!haveGpg && process.env.CI === 'true') throw new Error('gpg is missing under CI; .ci/run must install it');

const TABLE_FILE = new URL('../../shim/argv/option-table.json', import.meta.url);

describe.skipIf(!haveGpg)(`option table${haveGpg ? '' : ' (skipped: gpg not found)'}`, () => {
  const home = mkdtempSync(join(tmpdir(), 'gpg-gate-argv-table-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const gpg = (args: string[]) =>
    spawnSync('gpg', ['--homedir', home, '--no-options', ...args], {
      env: cleanEnv(),
      input: '',
      encoding: 'utf8',
      timeout: 10_000,
    });

  it('is what the installed gpg dumps (regenerate with npm run gen:option-table)', () => {
    const installed = readOptionTable('gpg');
    expect(GPG_VERSION).toBe(installed.gpgVersion);
    expect(readFileSync(TABLE_FILE, 'utf8')).toBe(formatTable(installed));
  });

  it('has the names and letters the classifier relies on', () => {
    expect(installedCount()).toBe(ENTRIES.filter((e) => e.name !== null).length);
    for (const name of [
      'sign',
      'clear-sign',
      'detach-sign',
      'local-user',
      'output',
      'passphrase',
      'options',
      'homedir',
    ])
      expect(findLongOption(name)).toMatchObject({ name });
    expect(findLongOption('clearsign')).toMatchObject({ canonical: 'clear-sign' });
  });

  it('agrees with gpg on every short letter: defined or not, with or without an argument', () => {
    const mismatches: string[] = [];
    for (let code = 33; code < 127; code++) {
      const c = String.fromCharCode(code);
      if (c === '-') continue;
      const entry = shortOption(code);
      const plain = gpg([`-${c}`, '--version']);
      const printsVersion = plain.stdout.startsWith('gpg (GnuPG)');
      let actual: string;
      if (plain.stderr.includes(`invalid option "-`)) actual = 'undefined';
      else if (c === 'h' || c === '?') actual = printsVersion && plain.stdout.includes('Syntax') ? 'help' : 'other';
      else if (printsVersion) actual = 'no-argument';
      else {
        // The letter swallowed "--version". An int argument refuses a number that does not fit.
        const big = gpg([`-${c}`, '99999999999', '--version']);
        actual = big.stderr.includes('invalid argument') ? 'int' : 'string';
      }
      let expected: string;
      if (!entry) expected = c === 'h' || c === '?' ? 'help' : 'undefined';
      else if (argType(entry) === ARG_NONE) expected = 'no-argument';
      else expected = argType(entry) === ARG_INT ? 'int' : 'string';
      if (actual !== expected) mismatches.push(`-${c}: gpg ${actual}, table ${expected}`);
    }
    expect(mismatches).toEqual([]);
  }, 60_000);

  function installedCount(): number {
    return readOptionTable('gpg').options.length;
  }
});

// The proxy's reading of Assuan (agent-gate/assuan-lines.ts) and its command rules (agent-gate/agent-commands.ts),
// checked against libassuan's limits and against the list docs/security.md publishes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFUSED_COMMANDS, ruleFor } from '../../agent-gate/agent-commands.js';
import {
  ASSUAN_LINE_MAX,
  AssuanLineError,
  LineReader,
  commandArgs,
  commandName,
  percentDecode,
  responseKind,
} from '../../agent-gate/assuan-lines.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('Assuan lines', () => {
  it('splits lines across chunks and keeps a partial line for later', () => {
    const r = new LineReader();
    expect(r.push(Buffer.from('OK Pleased\nSIG'))).toEqual(['OK Pleased']);
    expect(r.partial).toBe(true);
    expect(r.push(Buffer.from('KEY 21FA\nSETHASH 8 ab\n'))).toEqual(['SIGKEY 21FA', 'SETHASH 8 ab']);
    expect(r.partial).toBe(false);
  });

  it("accepts libassuan's longest line and refuses one byte more, with or without its newline", () => {
    const longest = 'D ' + 'x'.repeat(ASSUAN_LINE_MAX - 3) + '\n';
    expect(new LineReader().push(Buffer.from(longest))).toHaveLength(1);
    expect(() => new LineReader().push(Buffer.from('D ' + 'x'.repeat(ASSUAN_LINE_MAX - 2) + '\n'))).toThrow(
      AssuanLineError,
    );
    expect(() => new LineReader().push(Buffer.alloc(ASSUAN_LINE_MAX, 0x41))).toThrow(AssuanLineError);
  });

  it('reads command words without regard to case, and their arguments', () => {
    expect(commandName('pksign --hash=sha256')).toBe('PKSIGN');
    expect(commandName('BYE')).toBe('BYE');
    expect(commandArgs('SETHASH  8 AB')).toBe('8 AB');
    expect(commandArgs('NOP')).toBe('');
  });

  it('decodes percent escapes, and + as a space only where Assuan strings use it', () => {
    expect(percentDecode('a%25b%0Ac+d').toString('latin1')).toBe('a%b\nc+d');
    expect(percentDecode('a+b%2B', true).toString('latin1')).toBe('a b+');
    expect(percentDecode('%zz%4').toString('latin1')).toBe('%zz%4');
  });

  it('knows the final and the intermediate answers, and nothing else', () => {
    expect(['OK', 'OK Pleased', 'ERR 1 x', 'D x', 'S x', '#', '# x', 'INQUIRE X'].map(responseKind)).toEqual([
      'ok',
      'ok',
      'err',
      'data',
      'status',
      'comment',
      'comment',
      'inquire',
    ]);
    expect(['OKAY', 'ERR', 'Dx', 'hello', ''].map(responseKind)).toEqual([null, null, null, null, null]);
  });
});

describe('the command rules', () => {
  it('holds PKSIGN in any case, passes what gpg sends around a signature, refuses the rest', () => {
    expect(ruleFor(commandName('pksign'))).toEqual({ action: 'hold' });
    for (const c of ['SIGKEY', 'SETKEY', 'SETHASH', 'SETKEYDESC', 'HAVEKEY', 'OPTION', 'GETINFO', 'RESET', 'BYE'])
      expect(ruleFor(c)).toEqual({ action: 'pass' });
    for (const c of ['EXPORT_KEY', 'GENKEY', 'PKDECRYPT', 'PRESET_PASSPHRASE', 'D', 'END', 'FROBNICATE'])
      expect(ruleFor(c).action).toBe('refuse');
    expect(ruleFor('FROBNICATE')).toEqual({ action: 'refuse', why: 'not a command the agent gate knows' });
  });

  it('refuses every command gpg-agent 2.2 forbids on its extra socket (agent/command.c, restricted mode)', () => {
    // The 23 commands whose handler starts `if (ctrl->restricted) return leave_cmd (ctx, GPG_ERR_FORBIDDEN)`.
    const restricted = [
      'GETEVENTCOUNTER', 'LISTTRUSTED', 'MARKTRUSTED', 'GENKEY', 'READKEY', 'KEYINFO', 'GET_PASSPHRASE',
      'CLEAR_PASSPHRASE', 'GET_CONFIRMATION', 'LEARN', 'PASSWD', 'PRESET_PASSPHRASE', 'SCD', 'KEYWRAP_KEY',
      'IMPORT_KEY', 'EXPORT_KEY', 'DELETE_KEY', 'KEYTOCARD', 'GETVAL', 'PUTVAL', 'UPDATESTARTUPTTY', 'KILLAGENT',
      'RELOADAGENT',
    ]; // prettier-ignore
    for (const c of restricted) expect(REFUSED_COMMANDS).toContain(c);
    expect(REFUSED_COMMANDS.filter((c) => !restricted.includes(c)).sort()).toEqual(['INPUT', 'OUTPUT', 'PKDECRYPT']);
  });

  it('docs/security.md names every refused command', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## The agent gate'), doc.indexOf('## Chroots'));
    for (const c of REFUSED_COMMANDS) expect(section).toContain(`\`${c}\``);
  });
});

// The core's output is gpg's: detached and cleartext signatures byte for byte, inline signatures packet for packet
// (the packets inside the compression are the same bytes; zlib's compressed stream may differ), for text with every
// awkward line ending and trailing blank, in binary and text mode, for each kind of key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { runCore, type CoreCase } from './support/core-runner.js';
import { runGpg } from './support/gpg-runner.js';
import { FAKED_TIME, keyFileText } from './support/keys.js';

let home: GnupgHome;
let work: string;
const time = FAKED_TIME;

beforeAll(() => {
  home = makeGnupgHome(['ed25519', 'rsa3072', 'subkey']);
  work = mkdtempSync(join(tmpdir(), 'gpg-gate-core-output-'));
});
afterAll(() => {
  home.cleanup();
  rmSync(work, { recursive: true, force: true });
});

// Text made of the pieces gpg treats specially: line ends, trailing blanks, dash and "From " lines, 8-bit bytes.
const piece = fc.constantFrom(
  'a',
  'text',
  ' ',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '-',
  '- x',
  'From ',
  'From me\n',
  '\xe9',
  '\0',
);
const text = fc.array(piece, { maxLength: 40 }).map((parts) => Buffer.from(parts.join(''), 'latin1'));

const users = {
  ed25519: 'ed25519@example.invalid',
  rsa3072: 'rsa3072@example.invalid',
  subkey: 'subkey@example.invalid',
};
type KeyName = keyof typeof users;

/** The packets inside gpg's compressed packet (old-format tag 8, indeterminate length, algorithm 1 = ZIP). */
function innerPackets(message: Buffer): Buffer {
  expect(message.subarray(0, 2)).toEqual(Buffer.from([0xa3, 0x01]));
  return inflateRawSync(message.subarray(2));
}

async function both(key: KeyName, gpgArgs: string[], core: Omit<CoreCase, 'time' | 'localUsers'>, input?: Buffer) {
  const gpg = runGpg(['--batch', '--faked-system-time', `${time}!`, '-u', users[key], ...gpgArgs], {
    env: home.env,
    cwd: work,
    input: input ?? core.data,
  });
  const ours = await runCore(keyFileText(['ed25519', 'rsa3072', 'subkey']), {
    ...core,
    time,
    localUsers: [users[key]],
  });
  expect(ours.status, `gpg said: ${gpg.stderr}`).toEqual(gpg.status);
  expect(ours.code).toBe(gpg.code);
  return { gpg, ours };
}

const keys: KeyName[] = ['ed25519', 'rsa3072', 'subkey'];

describe.each(keys)('%s key', (key) => {
  const detachedModes: [string, string[], boolean, boolean][] = [
    ['-bs', ['-bs'], false, false],
    ['-bsa', ['-bsa'], true, false],
    ['-bst', ['-bst'], false, true],
    ['-bsat', ['-bsat'], true, true],
  ];
  it.each(detachedModes)('%s: byte-identical to gpg', async (_name, args, armor, textmode) => {
    await fc.assert(
      fc.asyncProperty(text, async (data) => {
        const { gpg, ours } = await both(key, args, { mode: 'detach', armor, textmode, data });
        expect(ours.output.equals(gpg.stdout)).toBe(true);
      }),
      { numRuns: 6 },
    );
  });

  it('--clearsign: byte-identical to gpg', async () => {
    await fc.assert(
      fc.asyncProperty(text, async (data) => {
        const { gpg, ours } = await both(key, ['--clearsign'], { mode: 'clearsign', data });
        expect(ours.output.toString('latin1')).toBe(gpg.stdout.toString('latin1'));
      }),
      { numRuns: 8 },
    );
  });

  const inlineModes: [string, string[], boolean][] = [
    ['-s', ['-s'], false],
    ['-st', ['-st'], true],
  ];
  it.each(inlineModes)('%s from stdin: the same packets as gpg', async (_name, args, textmode) => {
    await fc.assert(
      fc.asyncProperty(text, async (data) => {
        const { gpg, ours } = await both(key, args, { mode: 'inline', textmode, data });
        expect(innerPackets(ours.output).equals(innerPackets(gpg.stdout))).toBe(true);
      }),
      { numRuns: 4 },
    );
  });

  it('-s FILE: the literal packet names the file and has a definite length, as gpg writes it', async () => {
    const data = Buffer.from('release notes\nline two\n');
    writeFileSync(join(work, 'notes.txt'), data);
    const { gpg, ours } = await both(
      key,
      ['-s', '-o', '-', 'notes.txt'],
      { mode: 'inline', data, literalName: 'notes.txt', literalSize: data.length },
      Buffer.alloc(0),
    );
    expect(innerPackets(ours.output).equals(innerPackets(gpg.stdout))).toBe(true);
  });

  it('-sa: armored like gpg, and gpg verifies it', async () => {
    const data = Buffer.from('x'.repeat(20000));
    const { gpg, ours } = await both(key, ['-sa'], { mode: 'inline', armor: true, data });
    const lines = (b: Buffer) => b.toString().split('\n');
    expect(lines(ours.output)[0]).toBe('-----BEGIN PGP MESSAGE-----');
    expect(lines(ours.output).slice(-2)).toEqual(lines(gpg.stdout).slice(-2));
    writeFileSync(join(work, 'inline.asc'), ours.output);
    const verify = runGpg(['--batch', '--verify', 'inline.asc'], { env: home.env, cwd: work });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.status.some((l) => l.startsWith('VALIDSIG '))).toBe(true);
  });
});

describe('digest algorithms', () => {
  const cases: [KeyName, string | null, string | null][] = [
    ['ed25519', 'SHA512', null],
    ['rsa3072', 'sha256', null],
    ['rsa3072', 'H9', null],
    ['rsa3072', 'SHA1', null],
    ['ed25519', null, 'SHA384'],
    ['rsa3072', null, 'SHA224 SHA256'],
  ];
  it.each(cases)('%s --digest-algo %s --personal-digest-preferences %s', async (key, digest, personal) => {
    const data = Buffer.from('digest test\n');
    const args = [
      ...(digest ? ['--digest-algo', digest] : []),
      ...(personal ? ['--personal-digest-preferences', personal] : []),
      '-bs',
    ];
    const { gpg, ours } = await both(key, args, { mode: 'detach', data, digestAlgo: digest, personalDigest: personal });
    expect(ours.output.equals(gpg.stdout)).toBe(true);
  });

  it('an unknown --digest-algo fails as gpg fails', async () => {
    const { ours } = await both('ed25519', ['--digest-algo', 'SHA-256', '-bs'], {
      mode: 'detach',
      data: Buffer.from('x'),
      digestAlgo: 'SHA-256',
    });
    expect(ours.log).toEqual(['selected digest algorithm is invalid']);
  });

  it('digests gpg allows but openpgp.js cannot sign with are refused, never signed differently', async () => {
    const data = Buffer.from('x');
    for (const [key, digest] of [
      ['ed25519', 'SHA1'],
      ['rsa3072', 'MD5'],
      ['rsa3072', 'RIPEMD160'],
    ] as const) {
      const ours = await runCore(keyFileText(['ed25519', 'rsa3072']), {
        mode: 'detach',
        data,
        digestAlgo: digest,
        time,
        localUsers: [users[key]],
      });
      expect(ours.code).toBe(2);
      expect(ours.output.length).toBe(0);
      expect(ours.error?.code).toBe('unsupported');
    }
  });
});

describe('text lines gpg would truncate', () => {
  const long = Buffer.from(`short\n${'y'.repeat(19994)}\nafter\n`);
  it.each([
    ['clearsign', { mode: 'clearsign' as const }],
    ['inline text', { mode: 'inline' as const, textmode: true }],
    ['detached text', { mode: 'detach' as const, textmode: true }],
  ])('%s: refused before any output', async (_name, c) => {
    const ours = await runCore(keyFileText(['ed25519']), { ...c, data: long, time });
    expect(ours.code).toBe(2);
    expect(ours.output.length).toBe(0);
    expect(ours.error?.code).toBe('unsupported');
  });

  it('a line of 19993 bytes (gpg’s limit) signs like gpg', async () => {
    const data = Buffer.from(`${'y'.repeat(19993)}\n`);
    const { gpg, ours } = await both('ed25519', ['--clearsign'], { mode: 'clearsign', data });
    expect(ours.output.equals(gpg.stdout)).toBe(true);
  });
});

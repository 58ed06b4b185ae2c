// The openpgp signer reads a small input whole and writes its output at once, and streams a larger one: for the same
// data, keys and frozen clock both ways give the same bytes, status lines, messages and exit code — on both sides of
// the bound, in every mode, and when the output or the data cannot be opened. gpg verifies what the default signer made.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenpgpSigner, WHOLE_BYTES } from '../../harness/signer/openpgp-signer.js';
import type { SignatureOutcome, SignatureSpec } from '../../harness/signer/signer.js';
import { makePublicHome } from '../e2e/support/signing-modes.js';
import type { GnupgHome } from '../helpers/gnupg-home.js';
import { testKeys } from '../helpers/test-keys.js';
import { keyFileText } from '../openpgp/support/keys.js';
import { runGpg } from '../openpgp/support/gpg-runner.js';

// Frozen (the keys were made recently: a time before that would find them unusable).
const TIME = Math.floor(Date.now() / 1000);
const keys = testKeys();
const ED = keys.ed25519.fingerprint;
const RSA = keys.rsa3072.fingerprint;

// Text that text mode and cleartext signatures treat specially (CRLF, trailing blanks, dash and "From " lines), cut
// to exactly `size` bytes.
function textOf(size: number): Buffer {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = `${['', '-', 'From ', '\t'][i % 4]}line ${i} ${'x'.repeat((i * 37) % 90)}${i % 5 === 0 ? '  ' : ''}${i % 3 === 0 ? '\r\n' : '\n'}`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

type Case = [name: string, spec: Partial<SignatureSpec>, verify: 'detached' | 'message'];

const CASES: Case[] = [
  ['detached, armored, default key', { mode: 'detach', armor: true }, 'detached'],
  ['detached, text mode, two keys', { mode: 'detach', textmode: true, localUsers: [ED, RSA] }, 'detached'],
  ['detached, SHA512, RSA', { mode: 'detach', armor: true, digestAlgo: 'SHA512', localUsers: [RSA] }, 'detached'],
  ['inline, from a file (definite length)', { mode: 'inline', localUsers: [ED] }, 'message'],
  [
    'inline, armored, text mode, two keys',
    { mode: 'inline', armor: true, textmode: true, localUsers: [RSA, ED] },
    'message',
  ],
  ['inline, from stdin', { mode: 'inline', fromStdin: true, literalName: '', localUsers: [RSA] }, 'message'],
  ['cleartext', { mode: 'clearsign', localUsers: [ED] }, 'message'],
];

const SIZES = [0, 300, WHOLE_BYTES, WHOLE_BYTES + 1];

let dir: string;
let verifier: GnupgHome;
let signers: { byDefault: OpenpgpSigner; whole: OpenpgpSigner; streamed: OpenpgpSigner };
let n = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gpg-gate-whole-vs-streamed-'));
  verifier = makePublicHome(['ed25519', 'rsa3072']);
  const keyFile = join(dir, 'keys.asc');
  writeFileSync(keyFile, keyFileText(['ed25519', 'rsa3072']));
  const open = (wholeBytes?: number) =>
    OpenpgpSigner.open({
      keyFile,
      passphrase: null,
      clock: () => new Date(TIME * 1000),
      ...(wholeBytes === undefined ? {} : { wholeBytes }),
    });
  signers = { byDefault: await open(), whole: await open(Infinity), streamed: await open(-1) };
});
afterAll(() => {
  verifier?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function specOf(c: Partial<SignatureSpec>, size: number): SignatureSpec {
  return {
    mode: 'detach',
    armor: false,
    textmode: false,
    localUsers: [],
    digestAlgo: null,
    literalName: 'data.txt',
    fromStdin: false,
    size,
    inputName: 'data.txt',
    outputName: 'data.txt.sig',
    ...c,
  };
}

interface Signed {
  outcome: SignatureOutcome;
  bytes: Buffer | null;
}

async function sign(signer: OpenpgpSigner, data: string, spec: SignatureSpec, output?: string): Promise<Signed> {
  const out = output ?? join(dir, `out-${n++}`);
  const outcome = await signer.sign({ data, output: out }, spec);
  return { outcome, bytes: outcome.output === null ? null : readFileSync(outcome.output) };
}

describe.each(SIZES)('%i bytes', (size) => {
  let data: string;
  beforeAll(() => {
    data = join(dir, `data-${size}`);
    writeFileSync(data, textOf(size));
  });

  it.each(CASES)('%s: in memory and streamed, byte for byte the same', async (_name, c, verify) => {
    const spec = specOf(c, size);
    const whole = await sign(signers.whole, data, spec);
    const streamed = await sign(signers.streamed, data, spec);
    // The default signer takes one of the two paths, depending on which side of the bound the size is.
    const byDefault = await sign(signers.byDefault, data, spec);
    expect(whole.outcome.exit, whole.outcome.stderr).toBe(0);
    expect(whole.outcome.status.filter((l) => l.startsWith('[GNUPG:] SIG_CREATED '))).toHaveLength(
      spec.localUsers.length || 1,
    );
    expect(whole.bytes!.length).toBeGreaterThan(0);
    for (const other of [streamed, byDefault]) {
      expect({ ...other.outcome, output: null }).toEqual({ ...whole.outcome, output: null });
      expect(other.bytes!.equals(whole.bytes!)).toBe(true);
    }
    const file = join(dir, `verify-${n++}`);
    writeFileSync(file, byDefault.bytes!);
    const args = verify === 'detached' ? ['--verify', file, data] : ['--verify', file];
    const g = runGpg(['--batch', ...args], { env: verifier.env });
    expect(g.code, g.stderr).toBe(0);
    expect(g.status.filter((l) => l.startsWith('VALIDSIG '))).toHaveLength(spec.localUsers.length || 1);
  });
});

describe('failures, both ways alike', () => {
  const SMALL = 300;
  let data: string;
  beforeAll(() => {
    data = join(dir, 'data-failures');
    writeFileSync(data, textOf(SMALL));
  });

  it('an output that exists is not overwritten', async () => {
    const spec = specOf({ mode: 'detach', armor: true }, SMALL);
    const results: Signed[] = [];
    for (const signer of [signers.whole, signers.streamed]) {
      const out = join(dir, `exists-${n++}`);
      writeFileSync(out, 'before');
      results.push(await sign(signer, data, spec, out));
      expect(readFileSync(out, 'utf8')).toBe('before');
    }
    const [whole, streamed] = results as [Signed, Signed];
    expect(whole.outcome.exit).toBe(2);
    expect(whole.outcome.output).toBeNull();
    expect(whole.outcome.status).toContain('[GNUPG:] FAILURE sign 33554433');
    expect(whole.outcome.stderr).toMatch(/EEXIST/);
    // The messages name the output; only its name differs between the two runs.
    const same = (o: SignatureOutcome) => ({ ...o, stderr: o.stderr.replace(/exists-\d+/g, 'OUT') });
    expect(same(streamed.outcome)).toEqual(same(whole.outcome));
  });

  it('data that cannot be read is not signed', async () => {
    const spec = specOf({ mode: 'detach', armor: true }, SMALL);
    const missing = join(dir, 'no-such-data');
    const whole = await sign(signers.whole, missing, spec);
    const streamed = await sign(signers.streamed, missing, spec);
    expect(whole.outcome.exit).toBe(2);
    expect(whole.outcome.stderr).toMatch(/ENOENT/);
    expect(streamed.outcome).toEqual(whole.outcome);
    expect(existsSync(missing)).toBe(false);
  });
});

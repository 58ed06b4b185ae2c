// Bisimulation: the shim with the openpgp backend and the real gpg 2.2, side by side in fresh homes with a faked,
// frozen clock, given the same argv — same exit code, same status lines, same output file names, outputs that
// verify. It prints the table (case → equal, or how it differs and why).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateServer, type GateServer } from '../helpers/gate-server.js';
import { killAgent, makeEmptyGnupgHome, makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { TEST_PASSPHRASE, type TestKeyName } from '../helpers/test-keys.js';
import { runGpg } from './support/gpg-runner.js';
import { FAKED_TIME, keyFileText } from './support/keys.js';
import { openpgpEnv, runShim, type ProgramRun } from './support/shim-run.js';

const time = FAKED_TIME;
const INPUT = 'release.txt';
// Text with the line ends and blanks that text mode and cleartext signatures treat specially.
const DATA = 'Source: gpg-gate\nVersion: 1.0-1  \r\n-dash line\nFrom the changelog\n\ttabbed\t\nno newline at the end';

const homes = new Map<TestKeyName, GnupgHome>();
let shimHome: GnupgHome;
let server: GateServer;
let scratch: string;
const rows: [string, string][] = [];

beforeAll(async () => {
  for (const k of ['ed25519', 'rsa3072', 'subkey', 'passphrase'] as const) homes.set(k, makeGnupgHome([k]));
  shimHome = makeEmptyGnupgHome();
  server = await startGateServer('proceed');
  scratch = mkdtempSync(join(tmpdir(), 'gpg-gate-bisim-'));
});

afterAll(async () => {
  for (const h of homes.values()) h.cleanup();
  shimHome.cleanup();
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
  const width = Math.max(...rows.map(([c]) => c.length));
  const table = rows.map(([c, r]) => `| ${c.padEnd(width)} | ${r} |`).join('\n');
  console.log(
    `\nBisimulation, shim (openpgp backend) vs gpg ${'2.2'}:\n| ${'case'.padEnd(width)} | result |\n|${'-'.repeat(width + 2)}|---|\n${table}\n`,
  );
});

const normalise = (status: string[]) => status.map((l) => l.replace(/^(SIG_CREATED \S+ \S+ \S+ \S+) \d+/, '$1 <time>'));
const stderrLines = (s: string) => s.split('\n').filter((l) => l !== '');

function innerPackets(message: Buffer): Buffer | null {
  if (message[0] !== 0xa3 || message[1] !== 0x01) return null;
  return inflateRawSync(message.subarray(2));
}

function dearmor(text: Buffer): Buffer {
  const body = text.toString().split('\n\n')[1]!.split('\n=')[0]!;
  return Buffer.from(body.replace(/\n/g, ''), 'base64');
}

interface Side {
  run: ProgramRun;
  dir: string;
  files: Record<string, Buffer>;
}

async function side(
  shim: boolean,
  key: TestKeyName,
  args: string[],
  input: string | undefined,
  pre?: (dir: string) => void,
) {
  const dir = mkdtempSync(join(scratch, shim ? 'shim-' : 'gpg-'));
  writeFileSync(join(dir, INPUT), DATA);
  pre?.(dir);
  let run: ProgramRun;
  if (shim) {
    const keyFile = join(dir, '..', `${key}-${Math.random()}.asc`);
    writeFileSync(keyFile, keyFileText([key]));
    run = await runShim({
      args,
      cwd: dir,
      input: input ?? '',
      env: openpgpEnv(server.env(), keyFile, { GNUPGHOME: shimHome.dir }),
    });
  } else {
    const r = runGpg(args, { env: homes.get(key)!.env, cwd: dir, input: input ?? '' });
    run = { code: r.code, stdout: r.stdout, stderr: r.stderr, status: r.status };
  }
  const files: Record<string, Buffer> = {};
  for (const f of readdirSync(dir)) if (f !== INPUT) files[f] = readFileSync(join(dir, f));
  return { run, dir, files } satisfies Side;
}

/** gpg --verify of the shim's output (data from the input file when detached). */
function verifies(key: TestKeyName, output: Buffer, detached: boolean): boolean {
  const dir = mkdtempSync(join(scratch, 'verify-'));
  writeFileSync(join(dir, 'out'), output);
  writeFileSync(join(dir, INPUT), DATA);
  const r = runGpg(['--batch', '--verify', 'out', ...(detached ? [INPUT] : [])], {
    env: homes.get(key)!.env,
    cwd: dir,
  });
  return r.code === 0 && r.status.some((l) => l.startsWith('VALIDSIG '));
}

/** How the outputs compare: byte-identical, the same packets, or different. */
function sameOutput(ours: Buffer, theirs: Buffer, armor: boolean): string {
  if (ours.equals(theirs)) return 'byte-identical';
  const o = innerPackets(armor ? dearmor(ours) : ours);
  const t = innerPackets(armor ? dearmor(theirs) : theirs);
  if (o && t && o.equals(t)) return 'same packets (the deflate stream differs)';
  return 'DIFFERENT';
}

interface Case {
  name: string;
  key: TestKeyName;
  args: string[];
  input?: string;
  detached?: boolean;
  armor?: boolean;
  pre?: (dir: string) => void;
}

const keysUnderTest: TestKeyName[] = ['ed25519', 'rsa3072', 'subkey'];
const userOf = (k: TestKeyName) => `${k}@example.invalid`;
const common = ['--batch', '--faked-system-time', `${time}!`];

const matrix: Case[] = [];
for (const key of keysUnderTest) {
  for (const [mode, flag] of [
    ['sign', '--sign'],
    ['clearsign', '--clearsign'],
    ['detach', '--detach-sign'],
  ] as const) {
    for (const armor of [false, true]) {
      for (const textmode of [false, true]) {
        const args = [
          ...common,
          '-u',
          userOf(key),
          flag,
          ...(armor ? ['--armor'] : []),
          ...(textmode ? ['--textmode'] : []),
        ];
        const name = `${key} ${mode}${armor ? ' armor' : ''}${textmode ? ' textmode' : ''}`;
        matrix.push({
          name,
          key,
          args: [...args, INPUT],
          detached: mode === 'detach',
          armor: armor || mode === 'clearsign',
        });
      }
    }
  }
}
// The callers' own forms: git (stdin → stdout), debsign, dgit.
matrix.push(
  {
    name: 'git -bsau KEY (stdin → stdout)',
    key: 'subkey',
    args: [...common, '-bsau', userOf('subkey')],
    input: DATA,
    detached: true,
    armor: true,
  },
  {
    name: 'debsign --clearsign --textmode --output',
    key: 'rsa3072',
    args: [
      ...common,
      '--local-user',
      userOf('rsa3072'),
      '--clearsign',
      '--list-options',
      'no-show-policy-urls',
      '--armor',
      '--textmode',
      '--output',
      'signed.asc',
      INPUT,
    ],
    armor: true,
  },
  {
    name: 'dgit --detach-sign --armor -u KEYID FILE',
    key: 'ed25519',
    args: [...common, '--detach-sign', '--armor', '-u', 'ed25519@example.invalid', INPUT],
    detached: true,
    armor: true,
  },
  { name: 'no -u: the default key', key: 'rsa3072', args: [...common, '-bsa', INPUT], detached: true, armor: true },
  {
    name: 'passphrase key, --passphrase in loopback',
    key: 'passphrase',
    args: [
      ...common,
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      TEST_PASSPHRASE,
      '-u',
      userOf('passphrase'),
      '-bsa',
      INPUT,
    ],
    detached: true,
    armor: true,
  },
);

const errors: Case[] = [
  { name: 'error: unknown -u', key: 'ed25519', args: [...common, '-u', 'nobody@example.invalid', '-bsa', INPUT] },
  {
    name: 'error: wrong passphrase',
    key: 'passphrase',
    args: [
      ...common,
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      'wrong',
      '-u',
      userOf('passphrase'),
      '-bsa',
      INPUT,
    ],
    // gpg-agent would answer from its cache of the right passphrase.
    pre: () => killAgent(homes.get('passphrase')!.dir),
  },
  {
    name: 'error: existing output, --batch without --yes',
    key: 'ed25519',
    args: [...common, '-u', userOf('ed25519'), '-bsa', INPUT],
    pre: (dir) => writeFileSync(join(dir, `${INPUT}.asc`), 'already here\n'),
  },
  {
    name: 'error: unknown --digest-algo',
    key: 'ed25519',
    args: [...common, '--digest-algo', 'SHA-256', '-u', userOf('ed25519'), '-bsa', INPUT],
  },
  {
    name: 'error: protected key, --pinentry-mode error',
    key: 'passphrase',
    args: [...common, '--pinentry-mode', 'error', '-bs', INPUT],
    pre: () => killAgent(homes.get('passphrase')!.dir),
  },
  {
    name: 'error: -u 0x1234 (invalid user ID)',
    key: 'subkey',
    args: [...common, '-u', '0x1234', '-bs', INPUT],
  },
];

describe('shim (openpgp backend) vs gpg 2.2', () => {
  it.each([...matrix, ...errors])('$name', async (c) => {
    const gpg = await side(false, c.key, c.args, c.input, c.pre);
    const shim = await side(true, c.key, c.args, c.input, c.pre);
    const notes: string[] = [];
    expect(shim.run.code, shim.run.stderr).toBe(gpg.run.code);
    expect(normalise(shim.run.status)).toEqual(normalise(gpg.run.status));
    expect(Object.keys(shim.files).sort()).toEqual(Object.keys(gpg.files).sort());
    const sameStderr = stderrLines(shim.run.stderr).join('\n') === stderrLines(gpg.run.stderr).join('\n');
    notes.push(sameStderr ? 'stderr equal' : 'stderr differs');
    if (gpg.run.code === 0) {
      const outputs = Object.keys(gpg.files).length ? Object.keys(gpg.files) : ['(stdout)'];
      for (const name of outputs) {
        const ours = name === '(stdout)' ? shim.run.stdout : shim.files[name]!;
        const theirs = name === '(stdout)' ? gpg.run.stdout : gpg.files[name]!;
        const same = sameOutput(ours, theirs, c.armor ?? false);
        expect(same).not.toBe('DIFFERENT');
        expect(verifies(c.key, ours, c.detached ?? false)).toBe(true);
        notes.push(`${name === '(stdout)' ? 'stdout' : name}: ${same}, verifies`);
      }
    } else {
      expect(shim.run.stdout.length).toBe(gpg.run.stdout.length);
      // Unchanged: a file that existed before is still the same.
      for (const [name, content] of Object.entries(gpg.files)) expect(shim.files[name]).toEqual(content);
    }
    rows.push([c.name, `equal: exit ${gpg.run.code}, status lines, file names; ${notes.join('; ')}`]);
  });
});

// Fidelity of the agent gate: the real gpg run under `gpg-gate run --agent-gate --no-shim` (the job's GNUPGHOME, no
// secret key, PKSIGN through the proxy) leaves byte for byte what the same gpg with the same argv leaves run directly
// against the key holder's home. A frozen --faked-system-time makes Ed25519 and RSA (PKCS#1 v1.5) signatures
// deterministic, so equal bytes are the test. Where GnuPG's own restricted agent (the extra socket) differs from a local
// one, plain agent forwarding without gpg-gate is the reference.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../harness/records.js';
import { readRecords, runGate } from '../helpers/gate-run.js';
import { cleanEnv, makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { testKeys } from '../helpers/test-keys.js';
import { FAKED_TIME } from '../openpgp/support/keys.js';
import { makeForwardingHome, type ForwardingHome } from './support/forwarding-home.js';
import {
  INPUT_NAME,
  prepareSide,
  readResults,
  runScript,
  writeScript,
  type CallResult,
  type GpgCall,
} from './support/gpg-calls.js';

const KEY_NAMES = ['ed25519', 'rsa3072'] as const;
type KeyName = (typeof KEY_NAMES)[number];
const keys = testKeys();
const fpr = (k: KeyName) => keys[k].fingerprint;
const other = (k: KeyName): KeyName => (k === 'ed25519' ? 'rsa3072' : 'ed25519');

interface SignItem {
  name: string;
  signer: KeyName;
  call: GpgCall;
  /** Sign+encrypt: the ciphertext is compared through its decryption (random session key). */
  encrypted: boolean;
  /** What the restricted agent forbids on the way (journaled by the gate as agent-refused). */
  refused: string[];
}

// Before an RSA signature gpg asks KEYINFO whether the key is on a v1 OpenPGP card (g10/sign.c, openpgp_card_v1_p),
// unless the recipients' preferences chose the hash. The extra socket forbids KEYINFO; gpg takes that as "no card".
const cardCheck = (k: KeyName, encrypted: boolean) => (k === 'rsa3072' && !encrypted ? ['KEYINFO'] : []);

function signItems(k: KeyName): SignItem[] {
  const u = ['-u', fpr(k)];
  const items: SignItem[] = [];
  for (const mode of ['--sign', '--clearsign', '--detach-sign']) {
    for (const armor of [false, true]) {
      for (const text of [false, true]) {
        const flags = [mode, ...(armor ? ['--armor'] : []), ...(text ? ['--textmode'] : [])];
        // Armored: stdin to stdout; binary: a named file to --output. Both of gpg's I/O paths.
        const call = armor
          ? { args: [...u, ...flags], stdin: true }
          : { args: [...u, ...flags, '-o', '{out}', INPUT_NAME] };
        items.push({
          name: `${k} ${flags.join(' ')}`,
          signer: k,
          call,
          encrypted: false,
          refused: cardCheck(k, false),
        });
      }
    }
  }
  const file = ['-o', '{out}', INPUT_NAME];
  const item = (name: string, args: string[], stdin = false, encrypted = false): SignItem => ({
    name: `${k} ${name}`,
    signer: k,
    call: { args: [...u, ...args], stdin },
    encrypted,
    refused: cardCheck(k, encrypted),
  });
  items.push(
    item('--sign --sig-notation', ['--sig-notation', 'fidelity@example.invalid=a value', '--sign', ...file]),
    item(
      '--detach-sign --armor --set-notation !critical',
      ['--set-notation', '!crit@example.invalid=yes', '--detach-sign', '--armor'],
      true,
    ),
    item('--sign --set-filename', ['--set-filename', 'renamed.txt', '--sign', ...file]),
    item('--sign --encrypt -r', ['-r', fpr(k), '--sign', '--encrypt', ...file], false, true),
  );
  return items;
}

/** A call that changes the keyring, then `--export` of the changed key: each item starts from fresh homes. */
interface KeyringItem {
  name: string;
  signer: KeyName;
  calls: GpgCall[];
  /** What the restricted agent forbids on the way (journaled by the gate as agent-refused). */
  refused: string[];
}

const keyringItems = (k: KeyName): KeyringItem[] => [
  {
    name: `${k} --quick-sign-key ${other(k)}`,
    signer: k,
    calls: [{ args: ['-u', fpr(k), '--quick-sign-key', fpr(other(k))] }, { args: ['--export', fpr(other(k))] }],
    // keyedit asks KEYINFO whether the key it lists has a secret part.
    refused: ['KEYINFO'],
  },
  {
    name: `${k} --quick-add-uid`,
    signer: k,
    calls: [
      { args: ['--quick-add-uid', fpr(k), `added ${k} <added-${k}@example.invalid>`] },
      { args: ['--export', fpr(k)] },
    ],
    refused: [],
  },
];

const genKeyCalls: GpgCall[] = KEY_NAMES.map((algo) => ({
  args: ['--passphrase', '', '--quick-gen-key', `generated ${algo} <generated@example.invalid>`, algo, 'sign', 'never'],
}));

const signCorpus = KEY_NAMES.flatMap(signItems);
const keyringCorpus = KEY_NAMES.flatMap(keyringItems);
const corpusSize = signCorpus.length + keyringCorpus.length + genKeyCalls.length;

// ---- running one list of calls on each side ----

/** xs[i], which the test's own bookkeeping guarantees. */
function nth<T>(xs: readonly T[] | undefined, i: number): T {
  const x = xs?.[i];
  if (x === undefined) throw new Error(`no element ${i}`);
  return x;
}

interface Sides {
  gated: CallResult[];
  records: JobRecord[];
  gateCode: number | null;
  reference: Record<string, CallResult[]>;
}

let base: string;
let runs = 0;

/** The gate job first (its job home is a copy of keyHome as it is now), then each reference side in turn. */
async function runSides(keyHome: string, calls: GpgCall[], references: Record<string, NodeJS.ProcessEnv>) {
  const dir = join(base, `run-${++runs}`);
  mkdirSync(dir);
  const script = join(dir, 'calls.sh');
  writeScript(script, calls, FAKED_TIME);
  const journal = join(dir, 'journal.jsonl');
  const gate = await runGate(
    [
      'run',
      '--agent-gate',
      '--gnupghome',
      keyHome,
      '--no-shim',
      '--auto-commit',
      '--journal',
      journal,
      '--',
      'sh',
      script,
    ],
    { cwd: prepareSide(join(dir, 'gated')), env: cleanEnv() },
  );
  const sides: Sides = {
    gated: readResults(join(dir, 'gated'), calls.length),
    records: readRecords(journal),
    gateCode: gate.code,
    reference: {},
  };
  for (const [name, env] of Object.entries(references)) {
    const side = prepareSide(join(dir, name));
    await runScript(script, side, env);
    sides.reference[name] = readResults(side, calls.length);
  }
  return { ...sides, dir };
}

// ---- the journal ----

/** Hex digits of each hash gpg may send in SETHASH, by libgcrypt's number. */
const DIGEST_HEX: Record<string, number> = { '2': 40, '8': 64, '9': 96, '10': 128, '11': 56 };

interface ExpectedPksign {
  keygrip: string;
  /** Commands refused on the same connection (the same gpg process) as this PKSIGN. */
  refused: string[];
}

/**
 * One commit for the job; per PKSIGN, in order: sign-requested (keygrip, digest), sign-approved, signed exit 0. The
 * calls run one after another, so the journal's order is the corpus's.
 */
function expectJournal(records: JobRecord[], pksigns: ExpectedPksign[], refusedAlone: string[] = []): void {
  const seqOf = (event: string) => records.filter((r) => r.event === event).map((r) => r.seq);
  const committed = seqOf('committed');
  expect(committed).toHaveLength(pksigns.length > 0 ? 1 : 0);
  const refused = records.flatMap((r) => (r.event === 'agent-refused' ? [r] : []));
  const requested = records.flatMap((r) =>
    r.event === 'sign-requested' && r.request.type === 'agent-pksign' ? [{ ...r, request: r.request }] : [],
  );
  expect(seqOf('sign-requested')).toHaveLength(requested.length);
  expect(requested.map((r) => r.request.keygrip)).toEqual(pksigns.map((p) => p.keygrip));
  requested.forEach((r, k) => {
    const { keygrip, hashAlgo, digest, connection } = r.request;
    expect(keygrip).toMatch(/^[0-9A-F]{40}$/);
    expect(digest).toMatch(new RegExp(`^[0-9a-f]{${DIGEST_HEX[hashAlgo ?? ''] ?? 0}}$`));
    const approved = records.filter((s) => s.event === 'sign-approved' && s.id === r.id);
    const signed = records.flatMap((s) => (s.event === 'signed' && s.id === r.id ? [s] : []));
    expect(approved).toHaveLength(1);
    expect(signed).toHaveLength(1);
    expect(nth(signed, 0).exit).toBe(0);
    expect(nth(committed, 0)).toBeLessThan(nth(signed, 0).seq);
    expect(r.seq).toBeLessThan(nth(approved, 0).seq);
    expect(nth(approved, 0).seq).toBeLessThan(nth(signed, 0).seq);
    expect(refused.filter((f) => f.connection === connection).map((f) => f.command)).toEqual(nth(pksigns, k).refused);
  });
  expect(seqOf('signed')).toHaveLength(requested.length);
  expect(seqOf('sign-refused')).toEqual([]);
  expect(seqOf('sign-unreported')).toEqual([]);
  expect(refused.map((f) => f.command)).toEqual([...pksigns.flatMap((p) => p.refused), ...refusedAlone]);
  const ended = records.at(-1);
  expect(ended?.event === 'job-ended' && ended.signatures).toBe(pksigns.length);
}

/** Primary fingerprint → primary keygrip, as the agent knows the keys. */
function keygripsOf(home: GnupgHome): Record<string, string> {
  const lines = execFileSync('gpg', ['--with-colons', '--with-keygrip', '--list-secret-keys'], {
    env: home.env,
    encoding: 'utf8',
  }).split('\n');
  const grips: Record<string, string> = {};
  lines.forEach((line, i) => {
    if (!line.startsWith('sec:')) return;
    const field = (prefix: string) =>
      lines
        .slice(i)
        .find((l) => l.startsWith(prefix))
        ?.split(':')[9] ?? '';
    grips[field('fpr:')] = field('grp:');
  });
  return grips;
}

/** What the key holder has: its secret key files, secret key listing and public keyring. */
function keyHolderState(home: GnupgHome): string {
  const listing = execFileSync('gpg', ['--with-colons', '--list-secret-keys'], { env: home.env, encoding: 'utf8' });
  const pubring = createHash('sha256')
    .update(readFileSync(join(home.dir, 'pubring.kbx')))
    .digest('hex');
  return JSON.stringify({ secret: readdirSync(join(home.dir, 'private-keys-v1.d')).sort(), listing, pubring });
}

/** A sign+encrypt output opened by the key holder: decrypted and verified, and with only the encryption removed. */
function opened(home: GnupgHome, file: string) {
  const gpg = (args: string[]) =>
    spawnSync('gpg', ['--batch', '--no-tty', `--faked-system-time=${FAKED_TIME}!`, '--status-fd', '3', ...args, file], {
      env: home.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
  const decrypted = gpg(['--decrypt']);
  const status = decrypted.output[3];
  const unwrapped = gpg(['--unwrap', '--decrypt']);
  return {
    rc: decrypted.status,
    plaintext: decrypted.stdout.toString('latin1'),
    stderr: decrypted.stderr.toString('latin1'),
    status: status instanceof Buffer ? status.toString('latin1') : '',
    // The signed message inside the encryption: one-pass signature, literal data, signature packet.
    unwrapped: unwrapped.stdout.toString('latin1'),
    unwrapRc: unwrapped.status,
  };
}

// ---- the runs ----

let keyHome: GnupgHome;
let grips: Record<string, string>;
const gripOf = (k: KeyName) => grips[fpr(k)] ?? 'no keygrip';
const cleanups: (() => void)[] = [];
let signRun: Awaited<ReturnType<typeof runSides>>;
let genKeyRun: Awaited<ReturnType<typeof runSides>>;
let genKeyState: { before: string; after: string };
const keyringRuns = new Map<string, Sides>();

function fresh<T extends { cleanup(): void }>(made: T): T {
  cleanups.push(() => made.cleanup());
  return made;
}

/** Fresh homes, byte-identical copies of one template: the gate's key holder, the direct side, forwarding. */
async function runKeyringItem(item: KeyringItem): Promise<void> {
  const gateHome = fresh(makeGnupgHome(['ed25519', 'rsa3072']));
  const directHome = fresh(makeGnupgHome(['ed25519', 'rsa3072']));
  const forwarding: ForwardingHome = fresh(makeForwardingHome(gateHome.dir));
  keyringRuns.set(
    item.name,
    await runSides(gateHome.dir, item.calls, { direct: directHome.env, forwarded: forwarding.env }),
  );
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'gpg-gate-corpus-'));
  keyHome = fresh(makeGnupgHome(['ed25519', 'rsa3072']));
  grips = keygripsOf(keyHome);
  const signAndGenerate = async () => {
    // Signing changes no keyring, so the direct side is the key holder's home itself, with its own agent.
    signRun = await runSides(
      keyHome.dir,
      signCorpus.map((i) => i.call),
      { direct: keyHome.env },
    );
    // GENKEY: forbidden by the extra socket, so plain forwarding is the reference, never a local (successful) run.
    const forwarding = fresh(makeForwardingHome(keyHome.dir));
    const before = keyHolderState(keyHome);
    genKeyRun = await runSides(keyHome.dir, genKeyCalls, { forwarded: forwarding.env });
    genKeyState = { before, after: keyHolderState(keyHome) };
  };
  await Promise.all([signAndGenerate(), ...keyringCorpus.map(runKeyringItem)]);
});

afterAll(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe(`the gated gpg against plain gpg: a corpus of ${corpusSize} calls`, () => {
  describe(`${signCorpus.length} signing calls, gated and direct`, () => {
    it.each(signCorpus.map((item, i) => ({ ...item, i })))('$name', ({ i, encrypted }) => {
      const gated = nth(signRun.gated, i);
      const direct = nth(signRun.reference.direct, i);
      expect(gated.rc).toBe('0\n');
      expect(gated.status).toMatch(/^\[GNUPG:\] SIG_CREATED /m);
      expect(gated.out ?? gated.stdout).not.toBe('');
      if (!encrypted) {
        expect(gated).toEqual(direct);
        return;
      }
      // The session key and the public-key encryption of it are random: compare everything else exactly, and the
      // ciphertexts by what the key holder finds inside them.
      expect({ ...gated, out: null }).toEqual({ ...direct, out: null });
      expect(gated.out).not.toBe(direct.out);
      const inGated = opened(keyHome, join(signRun.dir, 'gated', 'out', `${i}.out`));
      const inDirect = opened(keyHome, join(signRun.dir, 'direct', 'out', `${i}.out`));
      expect(inGated).toEqual(inDirect);
      expect(inGated.rc).toBe(0);
      expect(inGated.unwrapRc).toBe(0);
      expect(inGated.plaintext).toBe(readFileSync(join(signRun.dir, 'gated', INPUT_NAME), 'latin1'));
      expect(inGated.status).toContain(`[GNUPG:] VALIDSIG ${fpr(nth(signCorpus, i).signer)} `);
    });

    it(`the job journals one commit and ${signCorpus.length} PKSIGNs, each requested, then signed with exit 0`, () => {
      expect(signRun.gateCode).toBe(0);
      expectJournal(
        signRun.records,
        signCorpus.map((item) => ({ keygrip: gripOf(item.signer), refused: item.refused })),
      );
    });
  });

  describe(`${keyringCorpus.length} keyring changes (each from fresh homes), gated, direct and forwarded`, () => {
    it.each(keyringCorpus)('$name', (item) => {
      const run = keyringRuns.get(item.name) as Sides;
      expect(run.gateCode).toBe(0);
      expect(run.gated.map((r) => r.rc)).toEqual(['0\n', '0\n']);
      // GnuPG's restricted agent is the reference for everything: byte-identical.
      expect(run.gated).toEqual(run.reference.forwarded);
      const [gated, exported] = [nth(run.gated, 0), nth(run.gated, 1)];
      const [direct, directExport] = [nth(run.reference.direct, 0), nth(run.reference.direct, 1)];
      // The changed key as exported afterwards (the new signature included): byte-identical to the direct side's.
      expect(exported).toEqual(directExport);
      if (item.refused.includes('KEYINFO')) {
        // KEYINFO is forbidden on the extra socket, so keyedit lists the key being certified as `pub`, where a local
        // agent holding its secret part makes it `sec`. Only that word differs.
        expect(gated.stdout).toMatch(/^pub {2}/m);
        expect(direct.stdout).toMatch(/^sec {2}/m);
        expect({ ...gated, stdout: gated.stdout.replace(/^pub {2}/m, 'sec  ') }).toEqual(direct);
      } else {
        expect(gated).toEqual(direct);
      }
      expectJournal(run.records, [{ keygrip: gripOf(item.signer), refused: item.refused }]);
    });
  });

  describe(`${genKeyCalls.length} key generations, gated and forwarded`, () => {
    it.each(genKeyCalls.map((call, i) => ({ name: call.args.at(-3) as string, i })))(
      '--quick-gen-key $name',
      ({ i }) => {
        const gated = nth(genKeyRun.gated, i);
        expect(gated).toEqual(nth(genKeyRun.reference.forwarded, i));
        expect(gated.rc).not.toBe('0\n');
        expect(gated.stderr).toContain('gpg: agent_genkey failed: Forbidden\n');
      },
    );

    it('the journal holds GENKEY refused, no PKSIGN; the key holder gained no key', () => {
      expect(genKeyRun.gateCode).toBe(0);
      expectJournal(
        genKeyRun.records,
        [],
        genKeyCalls.map(() => 'GENKEY'),
      );
      expect(genKeyState.after).toBe(genKeyState.before);
    });
  });
});

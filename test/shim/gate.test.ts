// The shim as a gate client: only an explicit "proceed" from the supervisor yields a signature.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateServer, type Behaviour, type GateServer } from '../helpers/gate-server.js';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { run, start } from '../helpers/run.js';
import { shimPath, shimPathEnv } from '../helpers/shim.js';
import { TEST_PASSPHRASE } from '../helpers/test-keys.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const PAYLOAD = 'object 1234\ntype commit\ntag v1.0\n\nrelease\n';

let home: GnupgHome;
let work: string;
let spoolTmp: string;
let server: GateServer | undefined;

beforeAll(() => {
  home = makeGnupgHome(['ed25519', 'passphrase']);
});
afterAll(() => home.cleanup());

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'gpg-gate-gate-'));
  spoolTmp = mkdtempSync(join(tmpdir(), 'gpg-gate-spooltmp-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  // Whatever happened, the shim left no spooled copy behind.
  expect(readdirSync(spoolTmp)).toEqual([]);
  rmSync(work, { recursive: true, force: true });
  rmSync(spoolTmp, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...home.env, PATH: shimPathEnv(), TMPDIR: spoolTmp, ...(server?.env() ?? {}), ...extra };
}

function verifyDetached(signature: Buffer | string, data: Buffer | string): boolean {
  const sigFile = join(work, `verify-${Math.random()}.sig`);
  writeFileSync(sigFile, signature);
  const r = spawnSync('gpg', ['--batch', '--verify', sigFile, '-'], { env: home.env, input: data });
  return r.status === 0;
}

const gitArgs = () => ['--status-fd=2', '-bsau', home.keys.ed25519.fingerprint];

describe('gate decisions', () => {
  it('proceed: signs exactly the bytes reported, and reports the result', async () => {
    server = await startGateServer('proceed');
    const r = await run(shimPath, gitArgs(), { env: env(), input: PAYLOAD, cwd: work });
    expect(r.code, r.stderr.toString()).toBe(0);
    expect(r.stdout.toString()).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);
    expect(r.stderr.toString()).toMatch(/^\[GNUPG:\] SIG_CREATED D 22 \d+ 00 \d+ [0-9A-F]{40}$/m);
    expect(verifyDetached(r.stdout, PAYLOAD)).toBe(true);

    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req).toMatchObject({
      kind: 'data',
      mode: 'detach',
      localUsers: [home.keys.ed25519.fingerprint],
      armor: true,
      inputs: [{ name: '-', size: Buffer.byteLength(PAYLOAD) }],
      sha256: sha256(PAYLOAD),
      size: Buffer.byteLength(PAYLOAD),
      output: '-',
      backend: 'gnupg',
      token: server.token,
      cwd: work,
    });
    expect(server.results).toEqual([
      expect.objectContaining({
        id: req.id,
        exit: 0,
        signal: null,
        outputSha256: sha256(r.stdout),
        outputSize: r.stdout.length,
      }),
    ]);
  });

  const refusals: [Behaviour, RegExp][] = [
    ['abort', /^gpg: signing refused by gpg-gate: the test says no$/m],
    ['silent', /^gpg: signing refused by gpg-gate: no decision from the supervisor within 1 s$/m],
    ['garbage', /^gpg: signing refused by gpg-gate: malformed reply from the supervisor: frame is not/m],
    [
      'malformed',
      /^gpg: signing refused by gpg-gate: malformed reply from the supervisor: decision\.decision: expected "proceed" or "abort"/m,
    ],
    ['close', /^gpg: signing refused by gpg-gate: the supervisor closed the connection$/m],
    [
      'wrong-id',
      /^gpg: signing refused by gpg-gate: malformed reply from the supervisor: decision for request f+, not [0-9a-f]+$/m,
    ],
  ];
  it.each(refusals)(
    '%s: no signature, a gpg-style refusal, FAILURE on the status fd, exit 2',
    async (behaviour, message) => {
      server = await startGateServer(behaviour);
      const r = await run(shimPath, gitArgs(), { env: env({ GPG_GATE_TIMEOUT: '1' }), input: PAYLOAD, cwd: work });
      expect(r.code).toBe(2);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr.toString()).toMatch(message);
      expect(r.stderr.toString()).toMatch(/^\[GNUPG:\] FAILURE sign 99$/m);
      expect(r.stderr.toString()).not.toMatch(/SIG_CREATED/);
      expect(server.requests).toHaveLength(1);
      expect(server.results).toHaveLength(0);
    },
  );

  it('a wrong token is refused by the supervisor, and so no signature', async () => {
    server = await startGateServer('proceed');
    const r = await run(shimPath, gitArgs(), {
      env: env({ GPG_GATE_TOKEN: 'not-the-token' }),
      input: PAYLOAD,
      cwd: work,
    });
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.toString()).toMatch(
      /^gpg: signing refused by gpg-gate: the supervisor reported bad-token: wrong token$/m,
    );
  });

  it('no supervisor listening at GPG_GATE_SOCKET: refused', async () => {
    const r = await run(shimPath, gitArgs(), {
      env: env({ GPG_GATE_SOCKET: join(work, 'nobody.sock'), GPG_GATE_TOKEN: 't' }),
      input: PAYLOAD,
      cwd: work,
    });
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.toString()).toMatch(
      /^gpg: signing refused by gpg-gate: cannot reach the supervisor at .*nobody\.sock: ENOENT$/m,
    );
  });
});

describe('what gets signed, and where the output goes', () => {
  it("dgit's tag form: signs the file, writes FILE.asc, never reads the open stdin", async () => {
    server = await startGateServer('proceed');
    writeFileSync(join(work, 'tag.tmp'), PAYLOAD);
    const r = await start(shimPath, ['--detach-sign', '--armor', '-u', home.keys.ed25519.keyId, 'tag.tmp'], {
      env: env(),
      keepStdinOpen: true,
      cwd: work,
    }).done;
    expect(r.code, r.stderr.toString()).toBe(0);
    const asc = readFileSync(join(work, 'tag.tmp.asc'));
    expect(verifyDetached(asc, PAYLOAD)).toBe(true);
    expect(server.requests[0]).toMatchObject({
      inputs: [{ name: 'tag.tmp', size: PAYLOAD.length }],
      sha256: sha256(PAYLOAD),
      output: 'tag.tmp.asc',
    });
    expect(server.results[0]?.outputSha256).toBe(sha256(asc));
  });

  it('signs the bytes that were hashed even if the file changes while the supervisor decides', async () => {
    server = await startGateServer('held');
    const file = join(work, 'tag.tmp');
    writeFileSync(file, PAYLOAD);
    const running = start(shimPath, ['--detach-sign', '--armor', '-u', home.keys.ed25519.fingerprint, 'tag.tmp'], {
      env: env(),
      cwd: work,
    });
    await server.waitForRequests(1);
    writeFileSync(file, 'something else entirely\n');
    server.release();
    const r = await running.done;
    expect(r.code, r.stderr.toString()).toBe(0);
    const asc = readFileSync(join(work, 'tag.tmp.asc'));
    expect(server.requests[0]?.sha256).toBe(sha256(PAYLOAD));
    expect(verifyDetached(asc, PAYLOAD)).toBe(true);
    expect(verifyDetached(asc, 'something else entirely\n')).toBe(false);
  });

  it('-b without --armor writes FILE.sig', async () => {
    server = await startGateServer('proceed');
    writeFileSync(join(work, 'data'), PAYLOAD);
    const r = await run(shimPath, ['-b', '-u', home.keys.ed25519.fingerprint, 'data'], { env: env(), cwd: work });
    expect(r.code, r.stderr.toString()).toBe(0);
    expect(existsSync(join(work, 'data.sig'))).toBe(true);
    expect(verifyDetached(readFileSync(join(work, 'data.sig')), PAYLOAD)).toBe(true);
  });

  it('inline -s FILE keeps the caller’s file name in the literal packet, and writes FILE.gpg', async () => {
    server = await startGateServer('proceed');
    writeFileSync(join(work, 'notes.txt'), PAYLOAD);
    const r = await run(shimPath, ['-s', '-u', home.keys.ed25519.fingerprint, 'notes.txt'], { env: env(), cwd: work });
    expect(r.code, r.stderr.toString()).toBe(0);
    const packets = execFileSync('gpg', ['--batch', '--list-packets', join(work, 'notes.txt.gpg')], {
      env: home.env,
      encoding: 'utf8',
    });
    expect(packets).toMatch(/name="notes\.txt"/);
    const data = execFileSync('gpg', ['--batch', '-d', join(work, 'notes.txt.gpg')], {
      env: home.env,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(data.toString()).toBe(PAYLOAD);
  });

  it('inline -s from stdin records an empty literal file name, as gpg does', async () => {
    server = await startGateServer('proceed');
    const r = await run(shimPath, ['-s', '-u', home.keys.ed25519.fingerprint], {
      env: env(),
      input: PAYLOAD,
      cwd: work,
    });
    expect(r.code, r.stderr.toString()).toBe(0);
    const packets = execFileSync('gpg', ['--batch', '--list-packets'], {
      env: home.env,
      input: r.stdout,
      encoding: 'utf8',
    });
    expect(packets).toMatch(/name=""/);
  });

  it('clearsign with --output writes where asked', async () => {
    server = await startGateServer('proceed');
    writeFileSync(join(work, 'x.dsc'), PAYLOAD);
    const r = await run(
      shimPath,
      ['--clearsign', '-u', home.keys.ed25519.fingerprint, '--output', 'out.asc', 'x.dsc'],
      { env: env(), cwd: work },
    );
    expect(r.code, r.stderr.toString()).toBe(0);
    expect(readFileSync(join(work, 'out.asc'), 'utf8')).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\n/);
    expect(spawnSync('gpg', ['--batch', '--verify', join(work, 'out.asc')], { env: home.env }).status).toBe(0);
  });

  it('a missing input: gpg-style error, nothing asked, nothing signed', async () => {
    server = await startGateServer('proceed');
    const r = await run(shimPath, ['--detach-sign', '--status-fd=1', 'missing.txt'], { env: env(), cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr.toString()).toBe(
      "gpg: can't open 'missing.txt': No such file or directory\ngpg: signing failed: No such file or directory\n",
    );
    expect(r.stdout.toString()).toBe('[GNUPG:] FAILURE sign 33587281\n');
    expect(server.requests).toHaveLength(0);
  });
});

describe('descriptors', () => {
  it('--status-fd=5 with fd 5 redirected receives the status lines', async () => {
    server = await startGateServer('proceed');
    const r = await run(shimPath, ['--status-fd=5', '-bsau', home.keys.ed25519.fingerprint], {
      env: env(),
      input: PAYLOAD,
      fds: { 5: 'out' },
      cwd: work,
    });
    expect(r.code, r.stderr.toString()).toBe(0);
    expect(r.fds[5]?.toString()).toMatch(
      /^\[GNUPG:\] KEY_CONSIDERED .*\n\[GNUPG:\] BEGIN_SIGNING H\d+\n\[GNUPG:\] SIG_CREATED D /,
    );
  });

  it('--passphrase-fd 4 unlocks the passphrase-protected key', async () => {
    server = await startGateServer('proceed');
    const k = home.keys.passphrase;
    const args = [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase-fd',
      '4',
      '--status-fd',
      '5',
      '-bsau',
      k.fingerprint,
    ];
    const r = await run(shimPath, args, {
      env: env(),
      input: PAYLOAD,
      fds: { 4: { write: `${TEST_PASSPHRASE}\n` }, 5: 'out' },
      cwd: work,
    });
    expect(r.code, r.stderr.toString()).toBe(0);
    expect(r.fds[5]?.toString()).toContain(`SIG_CREATED D 22 `);
    expect(verifyDetached(r.stdout, PAYLOAD)).toBe(true);
  });

  it('--passphrase-fd 0 with the data on stdin: gpg gets the passphrase line, the data alone is hashed and signed', async () => {
    server = await startGateServer('proceed');
    const k = home.keys.passphrase;
    const args = ['--batch', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', '-bsau', k.fingerprint];
    const r = await run(shimPath, args, { env: env(), input: `${TEST_PASSPHRASE}\n${PAYLOAD}`, cwd: work });
    expect(r.code, r.stderr.toString()).toBe(0);
    expect(verifyDetached(r.stdout, PAYLOAD)).toBe(true);
    expect(server.requests[0]).toMatchObject({ sha256: sha256(PAYLOAD), size: PAYLOAD.length });
    // The same input given to the real gpg directly signs the same data.
    const direct = spawnSync('gpg', args, { env: home.env, input: `${TEST_PASSPHRASE}\n${PAYLOAD}` });
    expect(direct.status).toBe(0);
    expect(verifyDetached(direct.stdout, PAYLOAD)).toBe(true);
  });

  it('a refusal writes FAILURE to the caller’s status fd', async () => {
    server = await startGateServer('abort');
    const r = await run(shimPath, ['--status-fd=7', '-bsau', home.keys.ed25519.fingerprint], {
      env: env(),
      input: PAYLOAD,
      fds: { 7: 'out' },
      cwd: work,
    });
    expect(r.code).toBe(2);
    expect(r.fds[7]?.toString()).toBe('[GNUPG:] FAILURE sign 99\n');
  });
});

describe('unsupervised', () => {
  it('refuses by default, naming the variable', async () => {
    const r = await run(shimPath, gitArgs(), { env: env(), input: PAYLOAD, cwd: work });
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.toString()).toMatch(/^gpg: signing refused by gpg-gate: .*GPG_GATE_UNSUPERVISED=refuse/m);
  });

  it('GPG_GATE_UNSUPERVISED=passthrough behaves as if the shim were absent', async () => {
    const r = await run(shimPath, gitArgs(), {
      env: env({ GPG_GATE_UNSUPERVISED: 'passthrough' }),
      input: PAYLOAD,
      cwd: work,
    });
    expect(r.code, r.stderr.toString()).toBe(0);
    expect(verifyDetached(r.stdout, PAYLOAD)).toBe(true);
  });

  it('an invalid GPG_GATE_UNSUPERVISED fails closed', async () => {
    const r = await run(shimPath, gitArgs(), {
      env: env({ GPG_GATE_UNSUPERVISED: 'yes-please' }),
      input: PAYLOAD,
      cwd: work,
    });
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.toString()).toMatch(/GPG_GATE_UNSUPERVISED must be 'refuse' or 'passthrough'/);
  });

  it('read-only calls pass through even with a broken gate configuration', async () => {
    const r = await run(shimPath, ['--list-keys', home.keys.ed25519.fingerprint], {
      env: env({ GPG_GATE_UNSUPERVISED: 'bogus', GPG_GATE_TIMEOUT: 'x' }),
      cwd: work,
    });
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toContain(home.keys.ed25519.fingerprint);
  });
});

describe('GPG_GATE_LOG', () => {
  it('one JSON line per invocation, with the passphrase redacted', async () => {
    server = await startGateServer('proceed');
    const log = join(work, 'gate.log');
    const k = home.keys.passphrase;
    await run(shimPath, ['--version'], { env: env({ GPG_GATE_LOG: log }), cwd: work });
    const signArgs = [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      TEST_PASSPHRASE,
      '-bsau',
      k.fingerprint,
    ];
    const signed = await run(shimPath, signArgs, { env: env({ GPG_GATE_LOG: log }), input: PAYLOAD, cwd: work });
    expect(signed.code, signed.stderr.toString()).toBe(0);
    const refused = await run(shimPath, gitArgs(), {
      env: env({ GPG_GATE_LOG: log, GPG_GATE_SOCKET: '' }),
      input: PAYLOAD,
      cwd: work,
    });
    expect(refused.code).toBe(2);

    const text = readFileSync(log, 'utf8');
    expect(text).not.toContain(TEST_PASSPHRASE);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      argv: ['--version'],
      classification: 'passthrough',
      decision: 'passthrough',
      exit: 0,
    });
    expect(lines[1]).toMatchObject({
      classification: 'sign',
      decision: 'proceed',
      exit: 0,
      job: 'test-job',
      sha256: sha256(PAYLOAD),
    });
    expect(lines[1]?.argv).toContain('<redacted>');
    expect(lines[2]).toMatchObject({ classification: 'sign', decision: 'refused', exit: 2 });
    for (const l of lines) {
      expect(typeof l.time).toBe('string');
      expect(typeof l.pid).toBe('number');
      expect(typeof l.durationMs).toBe('number');
    }
  });
});

describe('backend precheck', () => {
  it('the openpgp backend refuses what it cannot honour before asking the supervisor', async () => {
    server = await startGateServer('proceed');
    const r = await run(shimPath, ['--status-fd=2', '--comment', 'hi', '-bsau', home.keys.ed25519.fingerprint], {
      env: env({ GPG_GATE_BACKEND: 'openpgp', GPG_GATE_KEY: home.keys.ed25519.secretFile }),
      input: PAYLOAD,
      cwd: work,
    });
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.toString()).toMatch(/^gpg: gpg-gate \(openpgp backend\): .*not supported/m);
    expect(r.stderr.toString()).toMatch(/^\[GNUPG:\] FAILURE sign \d+$/m);
    // Refused before the commitment point: the supervisor was never asked.
    expect(server.requests).toHaveLength(0);
  });
});

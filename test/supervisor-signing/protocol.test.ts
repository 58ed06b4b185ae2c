// docs/protocol.md §6.2 against the real supervisor (`gpg-gate run --sign-in-supervisor`), spoken by the protocol
// client: a well-behaved peer gets a signature that verifies; a peer that lies about the data (its sha256, its size,
// a truncated or cut stream) gets `digest-mismatch` and nothing is signed; requests the supervisor will not sign (key
// signatures, another backend, fields it rejects) are refused before the commit step. The journal says each.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeChunk, encodeMessage } from '../../protocol/framing.js';
import type { SignRequest } from '../../protocol/messages.js';
import type { JobRecord } from '../../harness/records.js';
import { matching } from '../e2e/support/matchers.js';
import { makePublicHome } from '../e2e/support/signing-modes.js';
import { runGpg } from '../openpgp/support/gpg-runner.js';
import { tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv, type GnupgHome } from '../helpers/gnupg-home.js';
import { makeRequest, makeResult, RawClient, type Received } from '../helpers/protocol-client.js';
import { run } from '../helpers/run.js';
import { shimPathEnv, shimPath } from '../helpers/shim.js';
import { supervisorSetup, type SupervisorSetup } from './support/supervisor-setup.js';
import { startWaitingJob, type WaitingJob } from './support/waiting-job.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let t: TempDir;
let supervisor: SupervisorSetup;
let verifier: GnupgHome;
let job: WaitingJob;

beforeAll(async () => {
  t = tempDir('gpg-gate-supervisor-protocol-');
  supervisor = supervisorSetup('gnupg', 'ed25519');
  verifier = makePublicHome(['ed25519']);
  job = await startWaitingJob(t, supervisor);
});
afterAll(async () => {
  const r = await job?.finish();
  supervisor.cleanup();
  verifier.cleanup();
  t.cleanup();
  expect(r?.code, r?.stderr).toBe(0);
});

function request(data: Buffer, overrides: Partial<SignRequest> = {}): SignRequest {
  return makeRequest(job.token, {
    argv: ['--detach-sign', '--armor', '-u', supervisor.key.fingerprint, 'tag.tmp'],
    localUsers: [supervisor.key.fingerprint],
    inputs: [{ name: 'tag.tmp', size: data.length }],
    sha256: sha256(data),
    size: data.length,
    backend: 'supervisor',
    payload: true,
    ...overrides,
  });
}

/** Sends the request; on proceed, the payload as chunks (unless told otherwise); returns the replies until close. */
async function converse(
  req: SignRequest,
  send: (c: RawClient) => void,
): Promise<{ replies: Received[]; c: RawClient }> {
  const c = await RawClient.connect(job.socket);
  c.send(encodeMessage(req));
  const first = await c.next(30_000);
  const replies: Received[] = [first];
  if (first.type === 'decision' && first.decision === 'proceed') {
    send(c);
    for (;;) {
      const m = await c.next(30_000);
      replies.push(m);
      if (m.type === 'closed' || m.type === 'timeout' || m.type === 'error' || m.type === 'sign-done') break;
    }
  }
  return { replies, c };
}

const chunks = (...parts: Buffer[]) =>
  Buffer.concat([...parts.flatMap((p) => encodeChunk(p)), ...encodeChunk(Buffer.alloc(0))]);

function recordsFor(id: string): JobRecord[] {
  return job.records().filter((r) => 'id' in r && r.id === id);
}

describe('refused before the commit step', () => {
  it('a key signature (certification) request: abort, no commit step, no signature', async () => {
    const req = makeRequest(job.token, {
      argv: ['--sign-key', supervisor.key.fingerprint],
      commands: ['sign-key'],
      kind: 'keys',
      mode: 'keys',
      inputs: [],
      sha256: null,
      size: 0,
      output: '-',
      backend: 'supervisor',
      payload: true,
    });
    const { replies, c } = await converse(req, () => undefined);
    c.close();
    expect(replies[0]).toMatchObject({
      type: 'decision',
      decision: 'abort',
      reason: matching(/key signatures/),
    });
    expect(recordsFor(req.id).map((r) => r.event)).toEqual(['sign-requested', 'sign-refused']);
    expect(job.records().some((r) => r.event === 'commit-requested')).toBe(false);
  });

  it('the shim refuses `gpg --sign-key` itself: the supervisor is not even asked', async () => {
    const before = job.records().length;
    const r = await run(shimPath, ['--batch', '--status-fd=2', '--sign-key', supervisor.key.fingerprint], {
      env: cleanEnv({ PATH: shimPathEnv(), GNUPGHOME: verifier.dir, ...job.shimEnv() }),
      cwd: t.dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr.toString()).toMatch(/^gpg: gpg-gate \(supervisor backend\): sign-key: key signatures .*$/m);
    expect(r.stderr.toString()).toMatch(/^\[GNUPG:\] FAILURE sign \d+$/m);
    expect(job.records()).toHaveLength(before);
  });

  it.each([
    ['another backend', { backend: 'gnupg', payload: false }, /only requests with backend "supervisor"/],
    ['no payload', { payload: false }, /payload true/],
    ['encryption', { commands: ['sign', 'encrypt'], mode: 'inline' }, /no encryption/],
    ['a mode that does not match the commands', { mode: 'clearsign' }, /does not match/],
    ['a control character in --local-user', { localUsers: ['a\nb'] }, /--local-user/],
    ['an odd --digest-algo', { digestAlgo: '--sign' }, /--digest-algo/],
    ['inputs that do not add up', { size: 3 }, /add up/],
  ] as [string, Partial<SignRequest>, RegExp][])('%s: abort', async (_name, overrides, reason) => {
    const req = request(Buffer.from('data\n'), overrides);
    const { replies, c } = await converse(req, () => undefined);
    c.close();
    expect(replies[0]).toMatchObject({ type: 'decision', decision: 'abort', reason: matching(reason) });
    expect(recordsFor(req.id).map((r) => r.event)).toEqual(['sign-requested', 'sign-refused']);
    expect(job.records().some((r) => r.event === 'commit-requested')).toBe(false);
  });
});

describe('a well-behaved peer', () => {
  it('streams the data after proceed and gets the signature back as chunks, then sign-done; it verifies', async () => {
    const data = Buffer.from('object 0123\ntype commit\ntag v1\n\nrelease\n');
    const req = request(data);
    const { replies, c } = await converse(req, (client) => client.send(chunks(data)));
    const done = replies.at(-1);
    expect(done).toMatchObject({ type: 'sign-done', id: req.id, exit: 0, stderr: '' });
    expect(replies.filter((m) => m.type === 'chunk').at(-1)).toMatchObject({ length: 0 });
    const signature = Buffer.concat(c.bytes);
    expect(signature.toString()).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);
    const status = done?.type === 'sign-done' ? done.status : [];
    expect(status).toContainEqual(
      matching(new RegExp(`^\\[GNUPG:\\] SIG_CREATED D 22 \\d+ 00 \\d+ ${supervisor.key.fingerprint}$`)),
    );
    // The result is acknowledged; the journal's `signed` has the digest of what the supervisor sent.
    c.send(encodeMessage(makeResult(req.id, { outputSha256: sha256(signature), outputSize: signature.length })));
    expect(await c.next()).toMatchObject({ type: 'ack', id: req.id });
    c.close();
    const events = recordsFor(req.id);
    // The first request the supervisor will sign is the commitment point: the commit step runs before it is approved.
    expect(events.map((r) => r.event)).toEqual(['sign-requested', 'commit-requested', 'sign-approved', 'signed']);
    expect(events.at(-1)).toMatchObject({ exit: 0, outputSha256: sha256(signature), outputSize: signature.length });
    const file = t.path('peer.asc');
    writeFileSync(file, signature);
    writeFileSync(t.path('peer.txt'), data);
    const g = runGpg(['--batch', '--verify', file, t.path('peer.txt')], { env: verifier.env });
    expect(g.code, g.stderr).toBe(0);
  });

  it("a key the supervisor does not have: gpg's failure comes back in sign-done, no output", async () => {
    const data = Buffer.from('payload\n');
    const req = request(data, { localUsers: ['nobody@example.invalid'] });
    const { replies, c } = await converse(req, (client) => client.send(chunks(data)));
    c.close();
    expect(c.bytes).toEqual([]);
    expect(replies.at(-1)).toMatchObject({
      type: 'sign-done',
      exit: 2,
      status: expect.arrayContaining([
        '[GNUPG:] INV_SGNR 9 nobody@example.invalid',
        '[GNUPG:] FAILURE sign 17',
      ]) as unknown,
      stderr: matching(/skipped "nobody@example.invalid": No secret key/),
    });
    expect(recordsFor(req.id).at(-1)).toMatchObject({ event: 'signed', exit: 2, outputSha256: null });
  });
});

describe('the data must be exactly what was announced', () => {
  const announced = Buffer.from('the bytes whose digest the commit step saw\n');

  const cases: [string, (c: RawClient) => void, RegExp][] = [
    [
      'different bytes of the same length (a lying sha256)',
      (c) => c.send(chunks(Buffer.from(announced.toString().toUpperCase()))),
      /sha256 is [0-9a-f]{64}, not the announced/,
    ],
    ['more bytes than announced', (c) => c.send(chunks(announced, Buffer.from('!'))), /longer than the announced/],
    ['a truncated stream', (c) => c.send(chunks(announced.subarray(0, 10))), /has 10 bytes, not the announced/],
  ];
  it.each(cases)('%s: digest-mismatch, nothing signed, the journal says so', async (_name, send, message) => {
    const req = request(announced);
    const { replies, c } = await converse(req, send);
    c.close();
    expect(replies.at(-1)).toMatchObject({
      type: 'error',
      code: 'digest-mismatch',
      message: matching(message),
    });
    expect(c.bytes).toEqual([]);
    const events = recordsFor(req.id);
    expect(events.map((r) => r.event)).toEqual(['sign-requested', 'sign-approved', 'sign-refused']);
    expect(events.at(-1)).toMatchObject({ reason: matching(/^digest-mismatch: /) });
  });

  it('a client that leaves in the middle of the stream: nothing signed, the journal says why', async () => {
    const req = request(Buffer.alloc(100_000, 0x61));
    const c = await RawClient.connect(job.socket);
    c.send(encodeMessage(req));
    expect(await c.next(30_000)).toMatchObject({ decision: 'proceed' });
    c.send(Buffer.concat(encodeChunk(Buffer.alloc(50_000, 0x61))));
    await new Promise((r) => setTimeout(r, 200));
    c.close();
    const deadline = Date.now() + 10_000;
    while (recordsFor(req.id).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(recordsFor(req.id).map((r) => r.event)).toEqual(['sign-requested', 'sign-approved', 'sign-refused']);
    expect(recordsFor(req.id).at(-1)).toMatchObject({ reason: matching(/left/) });
  });
});

// The supervisor's socket server in-process, with a scripted handler: authentication, framing errors, limits.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeMessage } from '../../protocol/framing.js';
import { HarnessError } from '../../harness/harness-error.js';
import { GateServer, type GateHandler, type GateSession, type SessionDecision } from '../../harness/server.js';
import { prepareSocket } from '../../harness/socket-location.js';
import { TokenTable } from '../../harness/tokens.js';
import { tempDir, type TempDir } from '../helpers/gate-run.js';
import { RawClient, makeRequest, makeResult, signOnce } from '../helpers/protocol-client.js';

interface Log {
  opened: string[];
  results: string[];
  lost: string[];
  finished: number;
  clientErrors: string[];
}

function handler(log: Log, decide: () => Promise<SessionDecision>, currentAttempt = () => 1): GateHandler {
  return {
    job: 'job-1',
    open(request, attempt): GateSession | null {
      if (attempt !== currentAttempt()) return null;
      log.opened.push(request.id);
      return {
        decide: () => decide(),
        result: (r) => void log.results.push(r.id),
        lost: (reason) => void log.lost.push(reason),
        finish: () => void (log.finished += 1),
      };
    },
    onClientError: (code, message) => void log.clientErrors.push(`${code}: ${message}`),
  };
}

const proceed = () => Promise.resolve<SessionDecision>({ decision: 'proceed', reason: 'ok' });

let t: TempDir;
let server: GateServer | null;
let tokens: TokenTable;
let token: string;
let log: Log;

async function listen(options: Partial<Parameters<typeof GateServer.listen>[0]> = {}, decide = proceed) {
  const location = await prepareSocket(null);
  server = await GateServer.listen({ location, tokens, handler: handler(log, decide), ...options });
  return server;
}

beforeEach(() => {
  t = tempDir();
  tokens = new TokenTable();
  token = tokens.issue(1);
  log = { opened: [], results: [], lost: [], finished: 0, clientErrors: [] };
  server = null;
});
afterEach(async () => {
  await server?.close();
  t.cleanup();
});

describe('a well-behaved client', () => {
  it('request, proceed, result, ack; the session is finished once', async () => {
    const s = await listen();
    const request = makeRequest(token);
    const { reply, acked } = await signOnce(s.path, request);
    expect(reply).toMatchObject({ type: 'decision', id: request.id, decision: 'proceed', job: 'job-1', attempt: 1 });
    expect(acked).toBe(true);
    expect(log.results).toEqual([request.id]);
    expect(log.finished).toBe(1);
  });

  it('abort ends the connection after the decision', async () => {
    const s = await listen({}, () => Promise.resolve({ decision: 'abort', reason: 'no' }));
    const c = await RawClient.connect(s.path);
    c.send(encodeMessage(makeRequest(token)));
    expect(await c.next()).toMatchObject({ type: 'decision', decision: 'abort', reason: 'no' });
    expect(await c.next()).toEqual({ type: 'closed' });
  });

  it('a client that leaves after proceed without a result is recorded as lost', async () => {
    const s = await listen();
    const c = await RawClient.connect(s.path);
    c.send(encodeMessage(makeRequest(token)));
    expect(await c.next()).toMatchObject({ decision: 'proceed' });
    c.close();
    await expect.poll(() => log.lost).toEqual(['the connection closed without a sign-result']);
    expect(log.finished).toBe(1);
  });

  it('the socket lives in a fresh 0700 directory and is gone after close', async () => {
    const s = await listen();
    const dir = s.path.slice(0, s.path.lastIndexOf('/'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(s.path).isSocket()).toBe(true);
    await s.close();
    expect(existsSync(s.path)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('bad clients get an error and lose their connection; the server keeps serving', () => {
  async function expectError(send: Buffer | string | object, code: string, options = {}) {
    const s = server ?? (await listen(options));
    const c = await RawClient.connect(s.path);
    c.send(send);
    const reply = await c.next();
    expect(reply).toMatchObject({ type: 'error', code });
    expect(await c.next()).toEqual({ type: 'closed' });
    // The next, good client is served.
    const { acked } = await signOnce(s.path, makeRequest(token));
    expect(acked).toBe(true);
    return reply as { message: string };
  }

  it('wrong token', async () => {
    const reply = await expectError(encodeMessage(makeRequest('x'.repeat(43))), 'bad-token');
    expect(reply.message).toBe('the token is wrong');
    expect(log.opened).toHaveLength(1);
  });

  it('a token of the right length but one character off', async () => {
    const off = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    await expectError(encodeMessage(makeRequest(off)), 'bad-token');
  });

  it('missing token', async () => {
    const { token: _t, ...request } = makeRequest(token);
    const reply = await expectError(request, 'bad-message');
    expect(reply.message).toMatch(/sign-request\.token/);
  });

  it('not JSON; the error never quotes the input (it may hold the token)', async () => {
    const reply = await expectError(`{"token":"${token}", oops}\n`, 'bad-frame');
    expect(reply.message).not.toContain(token);
    expect(log.clientErrors.join('\n')).not.toContain(token);
  });

  it('a token of the wrong type is not echoed', async () => {
    const reply = await expectError({ ...makeRequest(token), token: [token] }, 'bad-message');
    expect(reply.message).not.toContain(token);
  });

  it('not UTF-8', async () => {
    await expectError(Buffer.from([0xff, 0xfe, 0x0a]), 'bad-frame');
  });

  it('a frame longer than the limit', async () => {
    await expectError('x'.repeat(5000), 'frame-too-large', { maxFrameBytes: 1024 });
  });

  it('another protocol version', async () => {
    await expectError({ ...makeRequest(token), v: 2 }, 'unsupported-version');
  });

  it('a field of the wrong type, named precisely', async () => {
    const reply = await expectError({ ...makeRequest(token), inputs: [{ name: 'f', size: -1 }] }, 'bad-message');
    expect(reply.message).toMatch(/^sign-request\.inputs\[0\]\.size: expected an integer ≥ 0, got -1$/);
  });

  it('a result before any request', async () => {
    await expectError(makeResult('abc'), 'unexpected-message');
  });

  it('a frame while the decision is pending', async () => {
    let release!: () => void;
    const s = await listen(
      {},
      () => new Promise((resolve) => (release = () => resolve({ decision: 'proceed', reason: '' }))),
    );
    const c = await RawClient.connect(s.path);
    c.send(encodeMessage(makeRequest(token)));
    await expect.poll(() => log.opened.length).toBe(1);
    c.send(encodeMessage(makeRequest(token)));
    expect(await c.next()).toMatchObject({ type: 'error', code: 'unexpected-message' });
    release();
    // The decision could not be delivered: the session still ends, and a proceed counts as lost.
    await expect.poll(() => log.finished).toBe(1);
    expect(log.lost).toEqual(['the client left before the decision was delivered']);
  });

  it('silence: the request must come within the request timeout', async () => {
    const s = await listen({ requestTimeoutMs: 200 });
    const c = await RawClient.connect(s.path);
    expect(await c.next(5000)).toMatchObject({ type: 'error', code: 'timeout' });
  });

  it('a result with another id', async () => {
    const s = await listen();
    const c = await RawClient.connect(s.path);
    const request = makeRequest(token);
    c.send(encodeMessage(request));
    expect(await c.next()).toMatchObject({ decision: 'proceed' });
    c.send(encodeMessage(makeResult('other')));
    expect(await c.next()).toMatchObject({ type: 'error', code: 'bad-message', id: request.id });
    await expect.poll(() => log.lost).toHaveLength(1);
  });
});

describe('limits and attempts', () => {
  it('connections beyond the limit are told busy', async () => {
    const s = await listen({ maxConnections: 2 });
    const idle = [await RawClient.connect(s.path), await RawClient.connect(s.path)];
    await expect.poll(() => s.connectionCount).toBe(2);
    const third = await RawClient.connect(s.path);
    expect(await third.next()).toMatchObject({ type: 'error', code: 'busy' });
    for (const c of idle) c.close();
    await expect.poll(() => s.connectionCount).toBe(0);
    expect((await signOnce(s.path, makeRequest(token))).acked).toBe(true);
  });

  it("an earlier attempt's token gets attempt-over", async () => {
    let current = 1;
    const location = await prepareSocket(null);
    server = await GateServer.listen({ location, tokens, handler: handler(log, proceed, () => current) });
    current = 2;
    const second = tokens.issue(2);
    const c = await RawClient.connect(server.path);
    c.send(encodeMessage(makeRequest(token)));
    expect(await c.next()).toMatchObject({ type: 'error', code: 'attempt-over' });
    expect((await signOnce(server.path, makeRequest(second))).acked).toBe(true);
  });

  it('tokens are random, ≥ 128 bits, and matched exactly', () => {
    const table = new TokenTable();
    const a = table.issue(1);
    const b = table.issue(2);
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(table.match(a)).toBe(1);
    expect(table.match(b)).toBe(2);
    expect(table.match(a + 'x')).toBeNull();
    expect(table.match('')).toBeNull();
  });
});

describe('--socket PATH', () => {
  it('refuses a group-writable directory', async () => {
    mkdirSync(t.path('open'));
    chmodSync(t.path('open'), 0o770);
    await expect(prepareSocket(t.path('open', 'S'))).rejects.toThrow(/accessible to group or others \(mode 770\)/);
  });

  it('refuses a world-readable directory', async () => {
    mkdirSync(t.path('open'));
    chmodSync(t.path('open'), 0o705);
    await expect(prepareSocket(t.path('open', 'S'))).rejects.toBeInstanceOf(HarnessError);
  });

  it('refuses a path where another supervisor listens, and a path that is not a socket', async () => {
    const path = t.path('S');
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(path, resolve));
    try {
      await expect(prepareSocket(path)).rejects.toThrow(/another supervisor already listens/);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
    writeFileSync(t.path('file'), '');
    await expect(prepareSocket(t.path('file'))).rejects.toThrow(/not a socket/);
  });

  it('replaces a stale socket nobody listens on, and removes its own socket (not the directory) on close', async () => {
    const path = t.path('S');
    // What a supervisor killed with SIGKILL leaves behind: a socket file nobody listens on.
    execFileSync('perl', [
      '-MIO::Socket::UNIX',
      '-e',
      'IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 1) or die',
      path,
    ]);
    expect(statSync(path).isSocket()).toBe(true);
    const location = await prepareSocket(path);
    expect(location).toEqual({ path, ownDir: null });
    server = await GateServer.listen({ location, tokens, handler: handler(log, proceed) });
    expect((await signOnce(path, makeRequest(token))).acked).toBe(true);
    await server.close();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(t.dir)).toBe(true);
  });
});

// A small test-only supervisor: speaks the shim's side of docs/protocol.md with a scripted behaviour, and records
// what it was asked. The real supervisor lives in harness/; this one lets shim tests provoke every failure mode.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, FrameDecoder } from '../../protocol/framing.js';
import { PROTOCOL_VERSION, type SignRequest, type SignResult } from '../../protocol/messages.js';
import { parseClientMessage } from '../../protocol/validate.js';

export type Behaviour =
  | 'proceed'
  | 'abort'
  /** Never answers. */
  | 'silent'
  /** Answers with bytes that are not a frame. */
  | 'garbage'
  /** Answers with valid JSON that is not a valid decision. */
  | 'malformed'
  /** Closes the connection after reading the request. */
  | 'close'
  /** Answers `proceed` for another request id. */
  | 'wrong-id'
  /** Answers `proceed` once the test calls release(). */
  | 'held';

export interface GateServer {
  socket: string;
  token: string;
  requests: SignRequest[];
  results: SignResult[];
  /** For 'held': lets the held requests proceed. */
  release(): void;
  /** Resolves when `n` requests have arrived. */
  waitForRequests(n: number): Promise<void>;
  env(): Record<string, string>;
  close(): Promise<void>;
}

export async function startGateServer(
  behaviour: Behaviour,
  token = 'test-token-0123456789abcdef',
): Promise<GateServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-test-sock-'));
  const path = join(dir, 'gate.sock');
  const requests: SignRequest[] = [];
  const results: SignResult[] = [];
  const waiters: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const held: (() => void)[] = [];
  let released = false;

  const server: Server = createServer((conn) => {
    sockets.add(conn);
    conn.on('close', () => sockets.delete(conn));
    conn.on('error', () => undefined);
    const decoder = new FrameDecoder();
    conn.on('data', (data: Buffer) => {
      for (const frame of decoder.push(data)) {
        if (frame.kind !== 'message') continue;
        const msg = parseClientMessage(frame.message);
        if (msg.type === 'sign-request') {
          requests.push(msg);
          waiters.splice(0).forEach((w) => w());
          const reply = (m: Parameters<typeof encodeMessage>[0]) => conn.write(encodeMessage(m));
          const base = { v: PROTOCOL_VERSION, id: msg.id, job: 'test-job', attempt: 1 } as const;
          if (msg.token !== token) {
            reply({ v: PROTOCOL_VERSION, type: 'error', code: 'bad-token', message: 'wrong token', id: msg.id });
            conn.end();
            continue;
          }
          switch (behaviour) {
            case 'proceed':
              reply({ ...base, type: 'decision', decision: 'proceed', reason: 'committed by the test' });
              break;
            case 'abort':
              reply({ ...base, type: 'decision', decision: 'abort', reason: 'the test says no' });
              break;
            case 'silent':
              break;
            case 'garbage':
              conn.write('\u0000\u0001 this is not a frame {{{\n');
              break;
            case 'malformed':
              conn.write(
                JSON.stringify({ v: PROTOCOL_VERSION, type: 'decision', id: msg.id, decision: 'maybe' }) + '\n',
              );
              break;
            case 'close':
              conn.destroy();
              break;
            case 'held': {
              const answer = () => reply({ ...base, type: 'decision', decision: 'proceed', reason: 'released' });
              if (released) answer();
              else held.push(answer);
              break;
            }
            case 'wrong-id':
              reply({ ...base, id: 'ffffffffffffffff', type: 'decision', decision: 'proceed', reason: '' });
              break;
          }
        } else if (msg.type === 'sign-result') {
          results.push(msg);
          conn.write(encodeMessage({ v: PROTOCOL_VERSION, type: 'ack', id: msg.id }));
          conn.end();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    socket: path,
    token,
    requests,
    results,
    release() {
      released = true;
      held.splice(0).forEach((answer) => answer());
    },
    waitForRequests(n) {
      return new Promise((resolve) => {
        const check = () => (requests.length >= n ? resolve() : waiters.push(check));
        check();
      });
    },
    env: () => ({ GPG_GATE_SOCKET: path, GPG_GATE_TOKEN: token, GPG_GATE_JOB: 'test-job' }),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

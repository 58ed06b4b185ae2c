// A small client of the gate protocol for tests (and later fuzzing): raw frames in, parsed frames out.
import { randomBytes } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import { FrameDecoder, encodeMessage } from '../../protocol/framing.js';
import { PROTOCOL_VERSION, type ServerMessage, type SignRequest, type SignResult } from '../../protocol/messages.js';
import { parseServerMessage } from '../../protocol/validate.js';

export type Received = ServerMessage | { type: 'closed' } | { type: 'timeout' };

export class RawClient {
  private readonly decoder = new FrameDecoder();
  private readonly queue: Received[] = [];
  private waiter: (() => void) | null = null;
  private closed = false;
  /** The raw bytes of every chunk received (backend supervisor: the signature), in order. */
  readonly bytes: Buffer[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      for (const frame of this.decoder.push(data)) {
        if (frame.kind === 'message') this.queue.push(parseServerMessage(frame.message));
        else this.bytes.push(frame.data);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ path });
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  send(data: Buffer | string | object): void {
    if (Buffer.isBuffer(data) || typeof data === 'string') this.socket.write(data);
    else this.socket.write(JSON.stringify(data) + '\n');
  }

  /** The next frame from the server, `closed` once it hung up, or `timeout`. */
  async next(timeoutMs = 10_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.queue.shift();
      if (m) return m;
      if (this.closed) return { type: 'closed' };
      const left = deadline - Date.now();
      if (left <= 0) return { type: 'timeout' };
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export function makeRequest(token: string, overrides: Partial<SignRequest> = {}): SignRequest {
  return {
    v: PROTOCOL_VERSION,
    type: 'sign-request',
    token,
    id: randomBytes(8).toString('hex'),
    pid: process.pid,
    cwd: process.cwd(),
    argv: ['--detach-sign', '--armor', '-u', 'KEY', 'tag.tmp'],
    commands: ['detach-sign'],
    kind: 'data',
    mode: 'detach',
    localUsers: ['KEY'],
    armor: true,
    textmode: false,
    digestAlgo: null,
    inputs: [{ name: 'tag.tmp', size: 5 }],
    sha256: 'a'.repeat(64),
    size: 5,
    output: 'tag.tmp.asc',
    backend: 'gnupg',
    payload: false,
    ...overrides,
  };
}

export function makeResult(id: string, overrides: Partial<SignResult> = {}): SignResult {
  return {
    v: PROTOCOL_VERSION,
    type: 'sign-result',
    id,
    exit: 0,
    signal: null,
    outputSha256: 'b'.repeat(64),
    outputSize: 100,
    ...overrides,
  };
}

/**
 * One whole signing conversation as a well-behaved shim has it: request, decision, (on proceed) `sign()`, result, ack.
 * Returns the reply to the request and whether the result was acknowledged.
 */
export async function signOnce(
  socket: string,
  request: SignRequest,
  result: Partial<SignResult> = {},
  sign: () => void = () => undefined,
): Promise<{ reply: Received; acked: boolean }> {
  const client = await RawClient.connect(socket);
  try {
    client.send(encodeMessage(request));
    const reply = await client.next(60_000);
    if (reply.type !== 'decision' || reply.decision !== 'proceed') return { reply, acked: false };
    sign();
    client.send(encodeMessage(makeResult(request.id, result)));
    const ack = await client.next();
    return { reply, acked: ack.type === 'ack' };
  } finally {
    client.close();
  }
}

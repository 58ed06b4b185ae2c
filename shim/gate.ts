// The client side of the gate protocol (docs/protocol.md): connect, send the request, block until the decision,
// report the result. Any failure before an explicit "proceed" is a refusal: no signature.
import { createReadStream } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { faultPoint } from '../common/fault-point.js';
import { FrameDecoder, encodeChunk, type Frame } from '../protocol/framing.js';
import { encodeMessage } from '../protocol/framing.js';
import { CHUNK_BYTES } from '../protocol/limits.js';
import type { Decision, ServerMessage, SignDone, SignRequest, SignResult } from '../protocol/messages.js';
import { parseServerMessage } from '../protocol/validate.js';
import { ShimError } from './shim-error.js';

/** How long to wait for the supervisor's acknowledgement of a result (the signature exists by then). */
const ACK_TIMEOUT_MS = 10_000;

export class GateClient {
  private readonly decoder = new FrameDecoder();
  private readonly queue: ServerMessage[] = [];
  private failure: ShimError | null = null;
  private wake: (() => void) | null = null;
  /** Backend supervisor: takes the bytes of the output chunks as they arrive (it must not throw). */
  private sink: ((data: Buffer) => void) | null = null;
  /** The id of the request sent by decide(). */
  requestId: string | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly socketPath: string,
  ) {
    socket.on('data', (data: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.decoder.push(data);
      } catch (err) {
        this.fail(`malformed reply from the supervisor: ${(err as Error).message}`);
        return;
      }
      for (const frame of frames) {
        if (frame.kind !== 'message') {
          if (this.sink) {
            this.sink(frame.data);
            continue;
          }
          this.fail('unexpected binary data from the supervisor');
          return;
        }
        try {
          this.queue.push(parseServerMessage(frame.message));
        } catch (err) {
          this.fail(`malformed reply from the supervisor: ${(err as Error).message}`);
          return;
        }
      }
      this.notify();
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.fail(`lost the supervisor at ${socketPath}: ${err.code ?? err.message}`),
    );
    socket.on('close', () => this.fail('the supervisor closed the connection'));
  }

  /** Connects to the supervisor's socket within `timeoutMs`. */
  static connect(socketPath: string, timeoutMs: number): Promise<GateClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ path: socketPath });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ShimError('refused', `no answer from the supervisor at ${socketPath} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new GateClient(socket, socketPath));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new ShimError('refused', `cannot reach the supervisor at ${socketPath}: ${err.code ?? err.message}`));
      });
    });
  }

  private fail(reason: string): void {
    this.failure ??= new ShimError('refused', reason);
    this.socket.destroy();
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** The next message from the supervisor, or a refusal on timeout, close or garbage. */
  private async next(timeoutMs: number, waitingFor: string): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.queue.shift();
      if (message) return message;
      if (this.failure) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.socket.destroy();
        throw new ShimError('refused', `no ${waitingFor} from the supervisor within ${Math.round(timeoutMs / 1000)} s`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Sends the request and blocks until the supervisor decides. Only a well-formed `proceed` returns normally. */
  async decide(request: SignRequest, timeoutMs: number): Promise<Decision> {
    this.requestId = request.id;
    // The callback runs once the request is handed to the kernel (a test-only fault point, docs/protocol.md §12).
    this.socket.write(encodeMessage(request), () => faultPoint('shim.after-request'));
    const reply = await this.next(timeoutMs, 'decision');
    if (reply.type === 'error')
      throw new ShimError('refused', `the supervisor reported ${reply.code}: ${reply.message}`);
    if (reply.type !== 'decision')
      throw new ShimError('refused', `malformed reply from the supervisor: expected a decision, got ${reply.type}`);
    if (reply.id !== request.id)
      throw new ShimError(
        'refused',
        `malformed reply from the supervisor: decision for request ${reply.id}, not ${request.id}`,
      );
    if (reply.decision !== 'proceed')
      throw new ShimError('refused', reply.reason || 'the supervisor aborted the signing');
    return reply;
  }

  /**
   * Backend supervisor (docs/protocol.md §6.2), after `proceed`: streams the file as chunks with back-pressure, hands
   * the output's bytes to `sink` as they arrive, and returns the supervisor's sign-done. Anything else is a refusal.
   */
  async exchange(id: string, path: string, sink: (data: Buffer) => void, timeoutMs: number): Promise<SignDone> {
    // Set before the first byte goes out: the output may follow the payload's end at once.
    this.sink = sink;
    const answered = () => this.failure !== null || this.queue.length > 0;
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
      for (const buf of encodeChunk(chunk as Buffer)) if (!answered() && !this.socket.write(buf)) await this.drain();
      if (answered()) break;
    }
    if (!answered()) this.socket.write(encodeChunk(new Uint8Array(0))[0]!);
    for (;;) {
      const reply = await this.next(timeoutMs, 'signature');
      if (reply.type === 'error')
        throw new ShimError('refused', `the supervisor reported ${reply.code}: ${reply.message}`);
      if (reply.type === 'chunk' && reply.length > 0) continue;
      if (reply.type === 'chunk') break;
      throw new ShimError('refused', `malformed reply from the supervisor: expected the signature, got ${reply.type}`);
    }
    this.sink = null;
    const done = await this.next(timeoutMs, 'sign-done');
    if (done.type === 'error') throw new ShimError('refused', `the supervisor reported ${done.code}: ${done.message}`);
    if (done.type !== 'sign-done' || done.id !== id)
      throw new ShimError('refused', `malformed reply from the supervisor: expected sign-done for request ${id}`);
    return done;
  }

  /** Resolves when the socket can take more, or the supervisor has said something, or the connection is gone. */
  private drain(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      this.socket.on('drain', done);
      this.wake = done;
    });
  }

  /** Reports what happened after `proceed`. Returns an error text instead of throwing: the signature exists. */
  async report(result: SignResult): Promise<string | null> {
    try {
      if (this.failure) throw this.failure;
      this.socket.write(encodeMessage(result));
      const reply = await this.next(ACK_TIMEOUT_MS, 'acknowledgement');
      if (reply.type === 'error') return `the supervisor reported ${reply.code}: ${reply.message}`;
      if (reply.type !== 'ack' || reply.id !== result.id)
        return `unexpected ${reply.type} instead of an acknowledgement`;
      return null;
    } catch (err) {
      return (err as Error).message;
    } finally {
      this.close();
    }
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.end();
    this.socket.destroy();
  }

  get path(): string {
    return this.socketPath;
  }
}

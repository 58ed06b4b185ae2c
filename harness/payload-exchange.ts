// The supervisor's half of docs/protocol.md §6.2 after `proceed`: receive the payload as chunks into a private spool
// (hashing it, with back-pressure), check it against the request's sha256 and size, have it signed, record the
// signature, and stream the output back followed by sign-done. Memory stays bounded both ways.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ProtocolError } from '../protocol/errors.js';
import { encodeChunk, encodeMessage, type Frame } from '../protocol/framing.js';
import { CHUNK_BYTES } from '../protocol/limits.js';
import { PROTOCOL_VERSION, type ErrorCode, type SignRequest } from '../protocol/messages.js';
import { parseClientMessage } from '../protocol/validate.js';
import { describeError } from './harness-error.js';
import type { SignatureOutcome, SignInput } from './signer/signer.js';

/** What the job does for one supervisor-backend request once its payload has arrived intact. */
export interface PayloadSigning {
  /** Makes the signature (nothing is recorded or released yet). */
  sign(input: SignInput): Promise<SignatureOutcome>;
  /** Records the signature durably before it is released; throws if it cannot be recorded (then nothing is sent). */
  release(outcome: SignatureOutcome, output: { sha256: string; size: number } | null): void;
  /** Nothing was signed or nothing was released: why. Called at most once, and never after release. */
  refused(reason: string): void;
}

export interface ExchangeHooks {
  /** A protocol failure: the connection answers `error` and closes (and calls stop()). */
  fail(code: ErrorCode, message: string): void;
  /** sign-done is on its way: the client's sign-result comes next. */
  delivered(): void;
}

type Phase = 'receiving' | 'signing' | 'sending' | 'over';

async function fileDigest(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export class PayloadExchange {
  private phase: Phase = 'receiving';
  private readonly hash = createHash('sha256');
  private received = 0;
  private paused = false;
  private stopped = false;
  private settled = false;

  private constructor(
    private readonly socket: Socket,
    private readonly request: SignRequest,
    private readonly signing: PayloadSigning,
    private readonly hooks: ExchangeHooks,
    private readonly dir: string,
    private readonly spool: WriteStream,
  ) {
    spool.on('error', (err) => this.hooks.fail('internal', `cannot spool the payload: ${describeError(err)}`));
  }

  /** Opens the spool: a new 0600 file in a fresh 0700 directory of the supervisor. Throws if it cannot. */
  static start(socket: Socket, request: SignRequest, signing: PayloadSigning, hooks: ExchangeHooks): PayloadExchange {
    const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-payload-'));
    const spool = createWriteStream(join(dir, 'payload'), { flags: 'wx', mode: 0o600 });
    return new PayloadExchange(socket, request, signing, hooks, dir, spool);
  }

  /** A frame from the client while the exchange runs. Throws ProtocolError for anything out of place. */
  take(frame: Frame): void {
    if (this.phase !== 'receiving') {
      throw new ProtocolError('unexpected-message', 'nothing is expected from the client before sign-done');
    }
    if (frame.kind === 'bytes') {
      const data = frame.data;
      if (this.received + data.length > this.request.size) {
        throw new ProtocolError(
          'digest-mismatch',
          `the payload is longer than the announced ${this.request.size} bytes`,
        );
      }
      this.received += data.length;
      this.hash.update(data);
      // Back-pressure: stop reading the socket while the spool's buffer is full.
      if (!this.spool.write(data) && !this.paused) {
        this.paused = true;
        this.socket.pause();
        this.spool.once('drain', () => {
          this.paused = false;
          if (!this.stopped) this.socket.resume();
        });
      }
      return;
    }
    const message = parseClientMessage(frame.message);
    if (message.type !== 'chunk') {
      throw new ProtocolError('unexpected-message', `${message.type} is not expected while the payload is streamed`);
    }
    if (message.length === 0) {
      this.phase = 'signing';
      void this.complete();
    }
  }

  /** The payload is complete: check it, sign it, record the signature, send it back. */
  private async complete(): Promise<void> {
    try {
      this.spool.end();
      await finished(this.spool);
    } catch (err) {
      this.hooks.fail('internal', `cannot spool the payload: ${describeError(err)}`);
      this.cleanup();
      return;
    }
    // An ending stream emits no 'drain': a socket paused on the last write must be resumed here, or the client's
    // sign-result (and its leaving) would never be read.
    if (this.paused) {
      this.paused = false;
      if (!this.stopped) this.socket.resume();
    }
    if (this.stopped) return this.cleanup();
    const sha256 = this.hash.digest('hex');
    const { size } = this.request;
    if (this.received !== size) {
      this.phase = 'over';
      this.hooks.fail('digest-mismatch', `the payload has ${this.received} bytes, not the announced ${size}`);
      return this.cleanup();
    }
    if (sha256 !== this.request.sha256) {
      this.phase = 'over';
      this.hooks.fail('digest-mismatch', `the payload's sha256 is ${sha256}, not the announced ${this.request.sha256}`);
      return this.cleanup();
    }
    let outcome: SignatureOutcome;
    let output: { sha256: string; size: number } | null = null;
    try {
      outcome = await this.signing.sign({ data: join(this.dir, 'payload'), output: join(this.dir, 'output') });
      if (outcome.output !== null) output = await fileDigest(outcome.output);
    } catch (err) {
      this.phase = 'over';
      this.hooks.fail('internal', `the supervisor could not sign: ${describeError(err)}`);
      return this.cleanup();
    }
    // The client left while the signature was made: it is discarded unreleased.
    if (this.stopped) return this.cleanup();
    try {
      this.signing.release(outcome, output);
      this.settled = true;
    } catch (err) {
      this.phase = 'over';
      this.hooks.fail('internal', `the signature was not released: ${describeError(err)}`);
      return this.cleanup();
    }
    this.phase = 'sending';
    await this.send(outcome);
    this.phase = 'over';
    this.cleanup();
  }

  private async send(outcome: SignatureOutcome): Promise<void> {
    try {
      if (outcome.output !== null) {
        for await (const chunk of createReadStream(outcome.output, { highWaterMark: CHUNK_BYTES })) {
          if (!(await this.write(encodeChunk(chunk as Buffer)))) return;
        }
      }
      if (!(await this.write(encodeChunk(Buffer.alloc(0))))) return;
      const done = encodeMessage({
        v: PROTOCOL_VERSION,
        type: 'sign-done',
        id: this.request.id,
        exit: outcome.exit,
        status: outcome.status,
        stderr: outcome.stderr,
      });
      this.hooks.delivered();
      await this.write([done]);
    } catch (err) {
      if (!this.stopped) this.hooks.fail('internal', `cannot send the signature: ${describeError(err)}`);
    }
  }

  /** Writes with back-pressure; false once the connection is gone. */
  private async write(buffers: Buffer[]): Promise<boolean> {
    for (const buf of buffers) {
      if (this.stopped || this.socket.destroyed) return false;
      if (this.socket.write(buf)) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
    return !this.stopped && !this.socket.destroyed;
  }

  /** The connection failed or closed: nothing more is sent; if no signature was released, say why. */
  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.settled) {
      this.settled = true;
      this.signing.refused(reason);
    }
    this.spool.destroy();
    // A signer still at work finishes into the directory; it is removed when it returns.
    if (this.phase !== 'signing') this.cleanup();
  }

  private cleanup(): void {
    if (!this.stopped && this.phase !== 'over') return;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// The supervisor's side of the wire protocol (docs/protocol.md): a Unix socket, one sign request per connection,
// authenticated by a per-attempt token. Bad clients get an `error` frame and lose their connection; the server goes on.
import { chmodSync, rmSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { ProtocolError } from '../protocol/errors.js';
import { FrameDecoder, encodeMessage } from '../protocol/framing.js';
import { MAX_CONNECTIONS, MAX_FRAME_BYTES, REQUEST_TIMEOUT_MS, RESULT_TIMEOUT_MS } from '../protocol/limits.js';
import {
  PROTOCOL_VERSION,
  type ErrorCode,
  type ServerMessage,
  type SignRequest,
  type SignResult,
} from '../protocol/messages.js';
import { parseClientMessage } from '../protocol/validate.js';
import { HarnessError, describeError } from './harness-error.js';
import { PayloadExchange, type PayloadSigning } from './payload-exchange.js';
import type { SocketLocation } from './socket-location.js';
import type { TokenTable } from './tokens.js';

export interface SessionDecision {
  decision: 'proceed' | 'abort';
  reason: string;
}

/** One authenticated sign request, as the job sees it. */
export interface GateSession {
  /** Decides; `isOpen` tells whether the client is still there to act on a proceed. */
  decide(isOpen: () => boolean): Promise<SessionDecision>;
  /** The client's report after proceed. Throwing answers `error internal` instead of `ack`. */
  result(result: SignResult): void;
  /** Proceed was sent (or was about to be) but no result will come. */
  lost(reason: string): void;
  /** Called exactly once, when the server is done with this request. */
  finish(): void;
  /** Backend `supervisor` (§6.2): signs the payload after proceed. Only a session that has it may proceed with one. */
  payload?: PayloadSigning | undefined;
}

export interface GateHandler {
  readonly job: string;
  /** An authenticated request for `attempt`; null if that attempt is over. Throws only a ProtocolError (to refuse). */
  open(request: SignRequest, attempt: number): GateSession | null;
  /** Something a client did wrong (the message never contains the token). */
  onClientError?(code: ErrorCode, message: string): void;
}

export interface ServerOptions {
  location: SocketLocation;
  tokens: TokenTable;
  handler: GateHandler;
  maxConnections?: number;
  maxFrameBytes?: number;
  requestTimeoutMs?: number;
  resultTimeoutMs?: number;
}

/** How long a connection we are closing may linger for the peer to read our last frame. */
const CLOSE_GRACE_MS = 2000;

export class GateServer {
  private readonly connections = new Set<Connection>();
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly options: ServerOptions,
  ) {}

  static async listen(options: ServerOptions): Promise<GateServer> {
    const server = createServer({ allowHalfOpen: false });
    const gate = new GateServer(server, options);
    server.on('connection', (socket) => gate.accept(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.location.path, () => resolve());
      });
    } catch (err) {
      if (options.location.ownDir !== null) rmSync(options.location.ownDir, { recursive: true, force: true });
      const message = `cannot listen on ${options.location.path}: ${describeError(err)}`;
      throw new HarnessError('socket', message, { cause: err });
    }
    server.on('error', () => undefined); // after listening, errors belong to single connections
    chmodSync(options.location.path, 0o600);
    return gate;
  }

  get path(): string {
    return this.options.location.path;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined);
    if (this.closed || this.connections.size >= (this.options.maxConnections ?? MAX_CONNECTIONS)) {
      this.options.handler.onClientError?.('busy', 'too many connections');
      closeWith(socket, errorFrame('busy', this.closed ? 'the supervisor is shutting down' : 'too many connections'));
      return;
    }
    const conn = new Connection(socket, this.options, () => this.connections.delete(conn));
    this.connections.add(conn);
  }

  /** Stops listening, drops every connection, removes the socket (and the directory we made for it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of this.connections) conn.abandon('the supervisor is shutting down');
    await stopped;
    const { path, ownDir } = this.options.location;
    try {
      unlinkSync(path);
    } catch {
      // Already gone (server.close removes it on some platforms).
    }
    if (ownDir !== null) rmSync(ownDir, { recursive: true, force: true });
  }
}

function errorFrame(code: ErrorCode, message: string, id?: string): ServerMessage {
  return { v: PROTOCOL_VERSION, type: 'error', code, message, ...(id === undefined ? {} : { id }) };
}

/** Sends a last frame and closes; the peer gets CLOSE_GRACE_MS to read it. */
function closeWith(socket: Socket, message: ServerMessage): void {
  let frame: Buffer;
  try {
    frame = encodeMessage(message);
  } catch (err) {
    // An error about a client must never take the supervisor down (e.g. a message too long to encode).
    frame = encodeMessage(errorFrame('internal', `the reply could not be encoded: ${describeError(err)}`));
  }
  if (!socket.destroyed) socket.end(frame);
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

/** `payload`: backend supervisor, from proceed to sign-done (the exchange owns the stream); then `signing`. */
type State = 'request' | 'deciding' | 'payload' | 'signing' | 'done';

class Connection {
  private state: State = 'request';
  private readonly decoder: FrameDecoder;
  private timer: NodeJS.Timeout | null = null;
  private request: SignRequest | null = null;
  private session: GateSession | null = null;
  private exchange: PayloadExchange | null = null;
  private finished = false;
  private gone = false;
  /** decide() is running: the session must not be finished before it returns. */
  private pendingDecision = false;

  constructor(
    private readonly socket: Socket,
    private readonly options: ServerOptions,
    private readonly onGone: () => void,
  ) {
    this.decoder = new FrameDecoder(options.maxFrameBytes ?? MAX_FRAME_BYTES);
    this.arm(options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, 'no sign-request');
    socket.on('data', (data: Buffer) => this.receive(data));
    socket.on('close', () => this.onClose());
  }

  private isDone(): boolean {
    return this.state === 'done';
  }

  private arm(ms: number, what: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fail('timeout', `${what} within ${Math.round(ms / 1000)} s`), ms);
  }

  private receive(data: Buffer): void {
    if (this.state === 'done') return;
    try {
      for (const frame of this.decoder.push(data)) {
        if (this.state === 'payload' && this.exchange) {
          this.exchange.take(frame);
          if (this.isDone()) return;
          continue;
        }
        if (frame.kind === 'bytes') throw new ProtocolError('unexpected-message', 'binary data is not expected here');
        this.handle(parseClientMessage(frame.message));
        if (this.isDone()) return;
      }
    } catch (err) {
      if (err instanceof ProtocolError) this.fail(err.code, err.message);
      else this.fail('internal', describeError(err));
    }
  }

  private handle(message: ReturnType<typeof parseClientMessage>): void {
    if (this.state === 'request') {
      if (message.type !== 'sign-request') {
        throw new ProtocolError('unexpected-message', `the first frame must be a sign-request, not ${message.type}`);
      }
      this.authenticate(message);
      return;
    }
    if (this.state === 'signing' && message.type === 'sign-result') {
      this.report(message);
      return;
    }
    const when = this.state === 'deciding' ? 'before the decision' : 'here';
    throw new ProtocolError('unexpected-message', `${message.type} is not expected ${when}`);
  }

  private authenticate(request: SignRequest): void {
    const attempt = this.options.tokens.match(request.token);
    if (attempt === null) throw new ProtocolError('bad-token', 'the token is wrong');
    const session = this.options.handler.open(request, attempt);
    if (session === null) {
      throw new ProtocolError('attempt-over', `attempt ${attempt} of job ${this.options.handler.job} is over`);
    }
    this.request = request;
    this.session = session;
    this.state = 'deciding';
    this.pendingDecision = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.decide(session, request, attempt).catch((err: unknown) => {
      // A throw while delivering the decision must not take the supervisor down mid-job: this client alone loses.
      this.options.handler.onClientError?.('internal', describeError(err));
      this.pendingDecision = false;
      this.state = 'done';
      this.socket.destroy();
      this.finish();
    });
  }

  private async decide(session: GateSession, request: SignRequest, attempt: number): Promise<void> {
    let answer: SessionDecision;
    try {
      answer = await session.decide(() => !this.gone && this.state === 'deciding');
    } catch (err) {
      answer = { decision: 'abort', reason: `internal error: ${describeError(err)}` };
    }
    this.pendingDecision = false;
    if (this.gone || this.state !== 'deciding') {
      if (answer.decision === 'proceed') session.lost('the client left before the decision was delivered');
      this.finish();
      return;
    }
    const decision: ServerMessage = {
      v: PROTOCOL_VERSION,
      type: 'decision',
      id: request.id,
      decision: answer.decision,
      reason: answer.reason,
      job: this.options.handler.job,
      attempt,
    };
    if (answer.decision === 'proceed' && request.payload) {
      this.startExchange(session, request, decision);
    } else if (answer.decision === 'proceed') {
      this.state = 'signing';
      this.arm(this.options.resultTimeoutMs ?? RESULT_TIMEOUT_MS, 'no sign-result');
      this.socket.write(encodeMessage(decision));
    } else {
      this.state = 'done';
      closeWith(this.socket, decision);
      this.finish();
    }
  }

  /** Proceed with the payload to follow (§6.2): the exchange takes the stream until sign-done is sent. */
  private startExchange(session: GateSession, request: SignRequest, decision: ServerMessage): void {
    const resultTimeoutMs = this.options.resultTimeoutMs ?? RESULT_TIMEOUT_MS;
    this.state = 'payload';
    this.arm(resultTimeoutMs, 'no complete payload');
    if (!session.payload) {
      this.fail('internal', 'this session cannot take a payload');
      return;
    }
    try {
      this.exchange = PayloadExchange.start(this.socket, request, session.payload, {
        fail: (code, message) => this.fail(code, message),
        delivered: () => {
          if (this.state !== 'payload') return;
          this.state = 'signing';
          this.arm(resultTimeoutMs, 'no sign-result');
        },
      });
    } catch (err) {
      session.payload.refused(`internal: cannot spool the payload: ${describeError(err)}`);
      this.fail('internal', `cannot spool the payload: ${describeError(err)}`);
      return;
    }
    this.socket.write(encodeMessage(decision));
  }

  private report(result: SignResult): void {
    const session = this.session;
    const id = this.request?.id;
    if (!session || result.id !== id)
      throw new ProtocolError('bad-message', `sign-result.id: expected the request's id`);
    if (this.timer) clearTimeout(this.timer);
    this.state = 'done';
    try {
      session.result(result);
      closeWith(this.socket, { v: PROTOCOL_VERSION, type: 'ack', id });
    } catch (err) {
      closeWith(this.socket, errorFrame('internal', `result not recorded: ${describeError(err)}`, id));
    }
    this.finish();
  }

  /** Answers a protocol violation with an error frame and closes this connection. */
  private fail(code: ErrorCode, message: string): void {
    if (this.state === 'done') return;
    this.options.handler.onClientError?.(code, message);
    const previous = this.state;
    this.state = 'done';
    if (this.timer) clearTimeout(this.timer);
    // The refusal is on record before the client hears of it.
    if (previous === 'payload') this.exchange?.stop(`${code}: ${message}`);
    closeWith(this.socket, errorFrame(code, message, this.request?.id));
    if (previous === 'signing') this.session?.lost(`protocol error after proceed: ${code}`);
    this.finish();
  }

  abandon(reason: string): void {
    if (this.state === 'payload') this.exchange?.stop(reason);
    if (this.state === 'signing') this.session?.lost(reason);
    this.state = 'done';
    this.socket.destroy();
    this.finish();
  }

  private onClose(): void {
    this.gone = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.state === 'payload') this.exchange?.stop('the client left before the signature was delivered');
    if (this.state === 'signing') this.session?.lost('the connection closed without a sign-result');
    if (this.state !== 'deciding') this.state = 'done';
    this.finish();
    this.onGone();
  }

  /** Ends the session once nothing is pending on it; decide() calls again when it returns. */
  private finish(): void {
    if (this.finished || this.pendingDecision) return;
    this.finished = true;
    this.session?.finish();
  }
}

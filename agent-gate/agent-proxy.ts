// The Assuan proxy between a job's gpg and the key holder's gpg-agent: one upstream connection per client, every
// command checked against agent-commands.ts, PKSIGN held until the gate says proceed. Either peer breaking the
// protocol ends both connections: gpg then fails with its own IPC error and no signature is made.
import { createHash } from 'node:crypto';
import { chmodSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { faultPoint } from '../common/fault-point.js';
import { ERR_FORBIDDEN, ruleFor } from './agent-commands.js';
import { AssuanLineError, LineReader, commandArgs, commandName, percentDecode, responseKind } from './assuan-lines.js';

/** What the agent was told before PKSIGN: the key, the digest, the prompt text. Recorded before the signature. */
export interface PksignRequest {
  /** Which connection of this proxy (1, 2, …): the journal tells conversations apart by it. */
  connection: number;
  keygrip: string | null;
  /** libgcrypt's number for the hash (8 = sha256), or the --hash= name as sent. */
  hashAlgo: string | null;
  digest: string | null;
  /** SETKEYDESC's text, decoded: gpg puts the user id and key id in it. */
  keyDescription: string | null;
}

export interface PksignOutcome {
  /** The agent's answer: OK (with the signature's sha256 and size) or its ERR line. */
  ok: boolean;
  error: string | null;
  signatureSha256: string | null;
  signatureSize: number;
}

/** The gate's answer to one PKSIGN, and what it is told afterwards. */
export interface PksignTicket {
  proceed: boolean;
  reason: string;
  /** The agent answered (OK or ERR). */
  done(outcome: PksignOutcome): void;
  /** PKSIGN was sent to the agent but its answer never came back: a signature may exist. */
  lost(reason: string): void;
  /** Proceed came, but PKSIGN was never sent (its client had left): no signature exists. */
  withdrawn(reason: string): void;
  /** Exactly once per ticket, when the proxy is done with it. */
  finish(): void;
}

export interface AgentGate {
  /** Decides one PKSIGN; `isOpen` tells whether its client is still there. */
  pksign(request: PksignRequest, isOpen: () => boolean): Promise<PksignTicket>;
  /** A command the proxy refused (never its arguments: they may hold secrets). */
  refused(connection: number, command: string, why: string): void;
  /** Diagnostics: a peer that broke the protocol, an agent that cannot be reached. */
  note(text: string): void;
}

export interface ProxyOptions {
  /** Where the proxy listens (its directory must be the supervisor's own, 0700). */
  path: string;
  /** The key holder's agent socket (its extra socket). */
  upstream: string;
  gate: AgentGate;
  /** At most this many bytes of client lines waiting behind a command in progress. */
  maxQueuedBytes?: number;
  /**
   * Starts the key holder's agent again when its socket is gone or refuses (it was stopped or restarted during the
   * job); the connection is then tried once more. Without it, such a client is simply closed.
   */
  relaunch?: () => void;
}

const MAX_QUEUED_BYTES = 64 * 1024;

export class AgentProxy {
  private readonly conversations = new Set<Conversation>();
  private count = 0;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly options: ProxyOptions,
  ) {}

  static async listen(options: ProxyOptions): Promise<AgentProxy> {
    const server = createServer({ allowHalfOpen: false });
    const proxy = new AgentProxy(server, options);
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.path, () => resolve());
    });
    server.on('error', () => undefined);
    chmodSync(options.path, 0o600);
    return proxy;
  }

  get path(): string {
    return this.options.path;
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.closed) {
      client.destroy();
      return;
    }
    const c = new Conversation(++this.count, client, this.options, () => this.conversations.delete(c));
    this.conversations.add(c);
  }

  /** Stops listening and ends every conversation (a PKSIGN in the agent's hands is waited for, briefly). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.conversations].map((c) => c.end('the supervisor is shutting down')));
    await stopped;
    try {
      unlinkSync(this.options.path);
    } catch {
      // Already gone.
    }
  }
}

type State =
  /** Waiting for the agent's greeting. */
  | 'greeting'
  /** Ready for the client's next command. */
  | 'idle'
  /** A command went upstream; relaying its response until OK or ERR. */
  | 'awaiting'
  /** The agent sent INQUIRE: the client's D/END/CAN lines go upstream. */
  | 'inquire'
  /** PKSIGN waits for the gate. */
  | 'held'
  | 'closed';

interface InFlight {
  name: string;
  args: string;
  ticket: PksignTicket | null;
  data: Buffer[];
}

/** How long a PKSIGN already in the agent's hands may take to answer once the client has gone or we shut down. */
const ANSWER_GRACE_MS = 10_000;

/** SIGKEY's keygrip as gpg-agent reads it (agent/command.c parse_keygrip): 40 hex digits, then the end or a blank. */
function agentKeygrip(args: string): string | null {
  return /^([0-9A-Fa-f]{40})(?:[ \t]|$)/.exec(args)?.[1]?.toUpperCase() ?? null;
}

/**
 * SETHASH's algorithm and digest as gpg-agent reads them (agent/command.c cmd_sethash): `--hash=NAME` among the
 * leading options, else a number (strtoul), then the first run of hex digits. Anything after it the agent ignores, so
 * the journal does too.
 */
function agentHash(args: string): { algo: string; digest: string } {
  let rest = args;
  let algo: string | null = null;
  for (let m = /^--(\S*)[ \t]*/.exec(rest); m !== null; m = /^--(\S*)[ \t]*/.exec(rest)) {
    if (m[1]?.startsWith('hash=')) algo = `--${m[1]}`;
    rest = rest.slice(m[0].length);
    if (m[1] === '') break;
  }
  if (algo === null) {
    const number = /^[+-]?\d*/.exec(rest)?.[0] ?? '';
    algo = number;
    rest = rest.slice(number.length).replace(/^[ \t]+/, '');
  }
  return { algo, digest: (/^[0-9A-Fa-f]*/.exec(rest)?.[0] ?? '').toLowerCase() };
}

class Conversation {
  private state: State = 'greeting';
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private readonly fromClient = new LineReader();
  private readonly fromAgent = new LineReader();
  private upstream!: Socket;
  private current: InFlight | null = null;
  private clientOpen = true;
  private keygrip: string | null = null;
  private hash: { algo: string; digest: string } | null = null;
  private keyDescription: string | null = null;
  private readonly ended: Promise<void>;
  private resolveEnded!: () => void;

  constructor(
    private readonly n: number,
    private readonly client: Socket,
    private readonly options: ProxyOptions,
    private readonly forget: () => void,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.connectUpstream(options.relaunch !== undefined);
    client.on('data', (chunk: Buffer) => this.clientData(chunk));
    client.on('close', () => this.clientGone());
  }

  private connectUpstream(mayRelaunch: boolean): void {
    const upstream = createConnection(this.options.upstream);
    this.upstream = upstream;
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      const gone = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
      if (mayRelaunch && gone && this.state === 'greeting' && upstream === this.upstream) {
        upstream.removeAllListeners('close');
        try {
          this.options.relaunch?.();
        } catch (relaunchErr) {
          this.fail(`the key holder's agent is gone and did not start: ${(relaunchErr as Error).message}`);
          return;
        }
        this.connectUpstream(false);
        return;
      }
      this.fail(`the key holder's agent: ${err.message}`);
    });
    // After BYE (or between commands) the agent's close is the end of the conversation, not a failure.
    upstream.on('close', () =>
      this.state === 'idle' && this.queue.length === 0
        ? this.close()
        : this.fail("the key holder's agent closed the connection"),
    );
    upstream.on('data', (chunk: Buffer) => this.agentData(chunk));
  }

  private get gate(): AgentGate {
    return this.options.gate;
  }

  private toClient(line: string): void {
    if (this.clientOpen) this.client.write(line + '\n', 'latin1');
  }

  private toAgent(line: string): void {
    this.upstream.write(line + '\n', 'latin1');
  }

  private clientData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    let lines: string[];
    try {
      lines = this.fromClient.push(chunk);
    } catch (err) {
      this.fail(`the client broke the protocol: ${(err as AssuanLineError).message}`);
      return;
    }
    for (const line of lines) {
      this.queuedBytes += line.length + 1;
      this.queue.push(line);
    }
    if (this.queuedBytes > (this.options.maxQueuedBytes ?? MAX_QUEUED_BYTES)) {
      this.fail('the client sent too much without waiting for answers');
      return;
    }
    this.pump();
  }

  /** Acts on queued client lines while the conversation can take them. */
  private pump(): void {
    while (this.queue.length > 0 && (this.state === 'idle' || this.state === 'inquire')) {
      const line = this.queue.shift() as string;
      this.queuedBytes -= line.length + 1;
      if (this.state === 'inquire') this.inquireLine(line);
      else this.command(line);
    }
  }

  private inquireLine(line: string): void {
    const name = commandName(line);
    if (name === 'D' || line === 'END' || line === 'CAN') {
      this.toAgent(line);
      if (name !== 'D') this.state = 'awaiting';
      return;
    }
    this.fail(`the client answered an INQUIRE with ${name}`);
  }

  private command(line: string): void {
    const name = commandName(line);
    const rule = ruleFor(name);
    if (rule.action === 'refuse') {
      // A line with no command word (binary garbage, say) is not copied into the journal, only described.
      const shown = /^[A-Z_][A-Z0-9_]{0,63}$/.test(name) ? name : `(no command word, a line of ${line.length} bytes)`;
      this.gate.refused(this.n, shown, rule.why);
      this.toClient(`# gpg-gate: ${shown} refused: ${rule.why}`);
      this.toClient(ERR_FORBIDDEN);
      return;
    }
    const inFlight: InFlight = { name, args: commandArgs(line), ticket: null, data: [] };
    this.current = inFlight;
    if (rule.action === 'pass') {
      this.state = 'awaiting';
      this.toAgent(line);
      return;
    }
    this.state = 'held';
    const request: PksignRequest = {
      connection: this.n,
      keygrip: this.keygrip,
      hashAlgo: this.hash?.algo ?? null,
      digest: this.hash?.digest ?? null,
      keyDescription: this.keyDescription,
    };
    void this.gate
      .pksign(request, () => this.clientOpen && this.state === 'held')
      .then(
        (ticket) => this.decided(line, inFlight, ticket),
        (err: unknown) => {
          this.gate.note(`agent gate: PKSIGN: ${err instanceof Error ? err.message : String(err)}`);
          this.fail('the gate could not decide');
        },
      );
  }

  private decided(line: string, inFlight: InFlight, ticket: PksignTicket): void {
    if (this.state !== 'held' || !ticket.proceed) {
      if (this.state !== 'held' && ticket.proceed) ticket.withdrawn('the client left before PKSIGN was sent');
      ticket.finish();
      if (this.state !== 'held') return;
      this.current = null;
      this.state = 'idle';
      this.toClient(`# gpg-gate: PKSIGN refused: ${ticket.reason.replace(/[\r\n]+/g, ' ').slice(0, 900)}`);
      this.toClient(ERR_FORBIDDEN);
      this.pump();
      return;
    }
    inFlight.ticket = ticket;
    this.state = 'awaiting';
    // Test-only fault point (common/fault-point.ts): PKSIGN is in the kernel's hands, the agent's answer is not.
    this.upstream.write(line + '\n', 'latin1', () => faultPoint('agent-gate.after-pksign'));
  }

  private agentData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    let lines: string[];
    try {
      lines = this.fromAgent.push(chunk);
    } catch (err) {
      this.fail(`the key holder's agent broke the protocol: ${(err as AssuanLineError).message}`);
      return;
    }
    for (const line of lines) {
      this.agentLine(line);
      // A line may have ended the conversation (a protocol violation).
      if (this.isClosed()) return;
    }
    this.pump();
  }

  private agentLine(line: string): void {
    const kind = responseKind(line);
    if (this.state === 'greeting') {
      if (kind !== 'ok') return this.fail(`the key holder's agent greeted with ${JSON.stringify(line.slice(0, 40))}`);
      this.state = 'idle';
      this.toClient(line);
      return;
    }
    const cur = this.current;
    if (cur === null || (this.state !== 'awaiting' && this.state !== 'inquire') || kind === null) {
      return this.fail(`the key holder's agent sent ${JSON.stringify(line.slice(0, 40))} unasked`);
    }
    if (kind === 'data' && cur.ticket !== null) cur.data.push(percentDecode(line.slice(2)));
    if (kind === 'inquire') this.state = 'inquire';
    this.toClient(line);
    if (kind === 'ok' || kind === 'err') this.answered(cur, kind === 'ok', line);
  }

  /** The agent's final word on a command: remember what it accepted, report a PKSIGN's outcome. */
  private answered(cur: InFlight, ok: boolean, line: string): void {
    this.current = null;
    this.state = 'idle';
    if (cur.ticket !== null) {
      this.keyDescription = null;
      const signature = Buffer.concat(cur.data);
      cur.ticket.done({
        ok,
        error: ok ? null : line,
        signatureSha256: ok ? createHash('sha256').update(signature).digest('hex') : null,
        signatureSize: ok ? signature.length : 0,
      });
      cur.ticket.finish();
      if (!this.clientOpen) this.close();
      return;
    }
    if (!ok) {
      // A SETHASH the agent refused may still have changed its algorithm (it sets it before reading the digest): the
      // digest is no longer known.
      if (cur.name === 'SETHASH') this.hash = null;
      return;
    }
    switch (cur.name) {
      case 'SIGKEY':
      case 'SETKEY':
        this.keygrip = agentKeygrip(cur.args);
        break;
      case 'SETHASH':
        this.hash = agentHash(cur.args);
        break;
      case 'SETKEYDESC':
        // The agent keeps the first word only, and only until the next PKSIGN.
        this.keyDescription = percentDecode(cur.args.split(/[ \t]/)[0] ?? '', true).toString('utf8');
        break;
      case 'RESET':
        this.keygrip = null;
        this.hash = null;
        this.keyDescription = null;
        break;
      default:
        break;
    }
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private clientGone(): void {
    this.clientOpen = false;
    // A PKSIGN in the agent's hands: its answer is journaled before the conversation ends. One whose INQUIRE only the
    // client could have answered will get none: it is lost now.
    if (this.current?.ticket != null && this.state === 'awaiting') {
      setTimeout(() => this.fail('no answer to PKSIGN after the client left'), ANSWER_GRACE_MS).unref();
      return;
    }
    this.fail('the client left');
  }

  /** Ends the conversation: waits (briefly) for a PKSIGN the agent is working on. */
  end(reason: string): Promise<void> {
    if (this.current?.ticket != null && this.state === 'awaiting') {
      this.clientOpen = false;
      this.client.destroy();
      setTimeout(() => this.fail(reason), ANSWER_GRACE_MS).unref();
    } else if (this.state === 'held' || this.current?.ticket != null) this.fail(reason);
    // Between commands (the command has exited, its client's close not yet seen): nothing to report.
    else this.close();
    return this.ended;
  }

  private fail(reason: string): void {
    if (this.state === 'closed') return;
    if (this.clientOpen && this.state !== 'greeting') this.gate.note(`agent gate, connection ${this.n}: ${reason}`);
    this.close(reason);
  }

  private close(reason = 'the conversation ended'): void {
    if (this.state === 'closed') return;
    // Never drop a PKSIGN that went to the agent: its ticket says lost (a signature may exist), and its attempt settles.
    const ticket = this.current?.ticket;
    if (ticket != null) {
      ticket.lost(reason);
      ticket.finish();
    }
    this.state = 'closed';
    this.current = null;
    this.clientOpen = false;
    this.client.destroy();
    this.upstream.destroy();
    this.forget();
    this.resolveEnded();
  }
}

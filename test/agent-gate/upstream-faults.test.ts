// A key holder's agent that misbehaves, which a real gpg-agent cannot be made to do: AgentProxy (agent-gate/
// agent-proxy.ts) in this process, between a raw client and a fake agent, both on real Unix sockets in a temp dir,
// with a fake gate that proceeds and records what the proxy tells it. A garbage greeting or an unsolicited line ends
// the conversation; an agent gone mid-PKSIGN is reported as lost (the journal's sign-unreported); an INQUIRE during
// PKSIGN reaches the client and its END reaches the agent.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentProxy, type AgentGate, type PksignOutcome, type PksignRequest } from '../../agent-gate/agent-proxy.js';
import { tempDir, type TempDir } from '../helpers/gate-run.js';

/** How the fake agent answers one line (null: it says nothing); `greeting` is its first line. */
interface FakeAgent {
  greeting: string;
  onLine(line: string, socket: Socket): void;
}

/** Lines as they arrive on a socket, and whether it closed. */
class Peer {
  readonly lines: string[] = [];
  closed = false;
  private buf = '';
  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }
  send(line: string): void {
    this.socket.write(line + '\n', 'latin1');
  }
  async until(check: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(this.lines)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

interface GateLog {
  requests: PksignRequest[];
  done: PksignOutcome[];
  lost: string[];
  withdrawn: string[];
  finished: number;
  notes: string[];
}

let t: TempDir;
let agentServer: Server;
let proxy: AgentProxy;
let fake: FakeAgent;
const agentSide: Peer[] = [];
let log: GateLog;

const gate: AgentGate = {
  pksign(request) {
    log.requests.push(request);
    return Promise.resolve({
      proceed: true,
      reason: 'committed',
      done: (o) => log.done.push(o),
      lost: (why) => log.lost.push(why),
      withdrawn: (why) => log.withdrawn.push(why),
      finish: () => (log.finished += 1),
    });
  },
  refused: () => undefined,
  note: (text) => log.notes.push(text),
};

beforeEach(async () => {
  t = tempDir('gpg-gate-fake-agent-');
  log = { requests: [], done: [], lost: [], withdrawn: [], finished: 0, notes: [] };
  agentSide.length = 0;
  agentServer = createServer((s) => {
    const peer = new Peer(s);
    agentSide.push(peer);
    s.write(fake.greeting + '\n');
    let seen = 0;
    s.on('data', () => {
      while (seen < peer.lines.length) fake.onLine(peer.lines[seen++] as string, s);
    });
  });
  await new Promise<void>((resolve) => agentServer.listen(t.path('S.fake-agent.extra'), resolve));
  proxy = await AgentProxy.listen({ path: t.path('S.gpg-agent'), upstream: t.path('S.fake-agent.extra'), gate });
});
afterEach(async () => {
  await proxy.close();
  for (const p of agentSide) p.socket.destroy();
  await new Promise((resolve) => agentServer.close(resolve));
  t.cleanup();
});

/** A new client of the proxy. */
function client(): Peer {
  return new Peer(createConnection(proxy.path));
}

/** An agent that answers OK to everything but PKSIGN, which `pksign` handles. */
function okAgent(pksign: (s: Socket) => void): FakeAgent {
  return { greeting: 'OK fake agent', onLine: (line, s) => (line.startsWith('PKSIGN') ? pksign(s) : s.write('OK\n')) };
}

/** SIGKEY, SETHASH, PKSIGN as gpg sends them, each after the previous answer. */
async function signThrough(c: Peer): Promise<void> {
  await c.until(() => c.lines.length === 1, 'the greeting');
  c.send('SIGKEY 21FA872766A08FAFF891E1E0BDCA610C2F3C1003');
  await c.until(() => c.lines.length === 2, 'SIGKEY answered');
  c.send('SETHASH 8 ' + 'AB'.repeat(32));
  await c.until(() => c.lines.length === 3, 'SETHASH answered');
  c.send('PKSIGN');
}

describe('a misbehaving upstream agent', () => {
  it('garbage greeting: the client is hung up on before it hears anything', async () => {
    fake = { greeting: 'HELLO i am not assuan', onLine: () => undefined };
    const c = client();
    await c.until(() => c.closed, 'the proxy to hang up');
    expect(c.lines).toEqual([]);
    expect(log.requests).toEqual([]);
  });

  it('an unsolicited line while idle ends both connections', async () => {
    fake = { greeting: 'OK fake agent', onLine: (_l, s) => s.write('OK\n') };
    const c = client();
    await c.until(() => c.lines.length === 1, 'the greeting');
    agentSide[0]?.send('S PROGRESS unasked');
    await c.until(() => c.closed, 'the proxy to hang up');
    await agentSide[0]?.until(() => agentSide[0]?.closed === true, 'the upstream connection to close');
    expect(c.lines).toEqual(['OK fake agent']);
    expect(log.notes.join('\n')).toMatch(/the key holder's agent sent "S PROGRESS unasked" unasked/);
    // The proxy goes on serving: a new client gets a greeting.
    const next = client();
    await next.until(() => next.lines.length === 1, 'a new greeting');
    expect(next.lines).toEqual(['OK fake agent']);
  });

  it('the agent closes mid-PKSIGN: the ticket is lost (a signature may exist), finished once', async () => {
    fake = okAgent((s) => s.destroy());
    const c = client();
    await signThrough(c);
    await c.until(() => c.closed, 'the proxy to hang up');
    expect(log.requests).toMatchObject([
      { keygrip: '21FA872766A08FAFF891E1E0BDCA610C2F3C1003', hashAlgo: '8', digest: 'ab'.repeat(32) },
    ]);
    expect(log.lost).toEqual(["the key holder's agent closed the connection"]);
    expect(log.done).toEqual([]);
    expect(log.finished).toBe(1);
    // gpg never gets an answer it could take for a signature.
    expect(c.lines.slice(3)).toEqual([]);
  });

  it('an INQUIRE during PKSIGN is relayed; the client’s END goes upstream; D and OK come back', async () => {
    const upstream: string[] = [];
    fake = {
      greeting: 'OK fake agent',
      onLine(line, s) {
        upstream.push(line);
        if (line === 'PKSIGN') s.write('INQUIRE PINENTRY_LAUNCHED 1234 curses 1.2.1 -\n');
        else if (line === 'END') s.write('D (7:sig-val(5:eddsa(1:r1:%25)(1:s1:%0A)))\nOK\n');
        else s.write('OK\n');
      },
    };
    const c = client();
    await signThrough(c);
    await c.until(() => c.lines.length === 4, 'the INQUIRE');
    expect(c.lines[3]).toBe('INQUIRE PINENTRY_LAUNCHED 1234 curses 1.2.1 -');
    c.send('END');
    await c.until(() => c.lines.length === 6, 'the signature');
    expect(c.lines.slice(4)).toEqual(['D (7:sig-val(5:eddsa(1:r1:%25)(1:s1:%0A)))', 'OK']);
    expect(upstream.slice(-2)).toEqual(['PKSIGN', 'END']);
    const signature = Buffer.from('(7:sig-val(5:eddsa(1:r1:%)(1:s1:\n)))', 'latin1');
    expect(log.done).toMatchObject([{ ok: true, error: null, signatureSize: signature.length }]);
    expect(log.lost).toEqual([]);
    expect(log.finished).toBe(1);
    // The conversation goes on after the signature.
    c.send('NOP');
    await c.until(() => c.lines.length === 7, 'NOP answered');
    expect(c.lines[6]).toBe('OK');
  });

  it('an INQUIRE answered with a command: both connections end, the PKSIGN is lost', async () => {
    fake = okAgent((s) => s.write('INQUIRE PINENTRY_LAUNCHED 1234\n'));
    const c = client();
    await signThrough(c);
    await c.until(() => c.lines.length === 4, 'the INQUIRE');
    c.send('GETINFO version');
    await c.until(() => c.closed, 'the proxy to hang up');
    expect(log.lost).toEqual(['the client answered an INQUIRE with GETINFO']);
    expect(log.finished).toBe(1);
  });

  it('the client leaves while an INQUIRE of PKSIGN waits for it: the PKSIGN is lost and finished, not dropped', async () => {
    fake = okAgent((s) => s.write('INQUIRE PINENTRY_LAUNCHED 1234\n'));
    const c = client();
    await signThrough(c);
    await c.until(() => c.lines.length === 4, 'the INQUIRE');
    c.socket.destroy();
    await agentSide[0]?.until(() => agentSide[0]?.closed === true, 'the upstream connection to close');
    // Without this the attempt would wait for ever for the request to finish, and no sign-unreported be journaled.
    expect(log.lost).toHaveLength(1);
    expect(log.finished).toBe(1);
    expect(log.done).toEqual([]);
  });
});

describe('what the gate is told is what the agent will use', () => {
  it('SETHASH, SIGKEY and SETKEYDESC are read as gpg-agent reads them', async () => {
    const upstream: string[] = [];
    let refuseSethash = false;
    fake = {
      greeting: 'OK fake agent',
      onLine(line, s) {
        upstream.push(line);
        if (line.startsWith('PKSIGN')) s.write('D (sig)\nOK\n');
        else if (line.startsWith('SETHASH') && refuseSethash) s.write('ERR 536871187 Invalid parameter\n');
        else s.write('OK\n');
      },
    };
    const c = client();
    await c.until(() => c.lines.length === 1, 'the greeting');
    const steps = [
      // The agent takes the first 40 hex digits, then a blank: the rest is not its keygrip.
      'SIGKEY 21fa872766a08faff891e1e0bdca610c2f3c1003 trailing',
      // strtoul, then the first run of hex digits: a second hex word is ignored by the agent, so by the journal too.
      'SETHASH 8 ' + 'aa'.repeat(32) + ' ' + 'bb'.repeat(32),
      // Only the first word, decoded (+ is a blank).
      'SETKEYDESC Please+unlock%0Akey ignored',
      'PKSIGN',
      // After a PKSIGN the agent forgets the description; a refused SETHASH leaves the digest unknown.
      'SETHASH --hash=sha512 xyz',
      'PKSIGN',
    ];
    for (const [i, line] of steps.entries()) {
      refuseSethash = line === 'SETHASH --hash=sha512 xyz';
      c.send(line);
      await c.until(() => c.lines.filter((l) => /^(OK|ERR)/.test(l)).length === i + 2, `answer ${i}`);
    }
    expect(log.requests).toEqual([
      {
        connection: 1,
        keygrip: '21FA872766A08FAFF891E1E0BDCA610C2F3C1003',
        hashAlgo: '8',
        digest: 'aa'.repeat(32),
        keyDescription: 'Please unlock\nkey',
      },
      {
        connection: 1,
        keygrip: '21FA872766A08FAFF891E1E0BDCA610C2F3C1003',
        hashAlgo: null,
        digest: null,
        keyDescription: null,
      },
    ]);
    expect(upstream.filter((l) => l === 'PKSIGN')).toHaveLength(2);
  });
});

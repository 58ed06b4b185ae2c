// The agent gate's proxy lives in the supervisor: SIGKILL it while gpg waits on a held PKSIGN, or right after the
// commit, and gpg must fail with its own error, no signature may exist, and `gpg-gate status` must tell the truth.
// And a client that speaks nonsense to the proxy (from inside the job, on GPG_GATE_AGENT_SOCKET) ends only its own
// connection: a bare PKSIGN is still held for the commit step, and a real gpg in the same job then signs.
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultDir } from '../helpers/fault-points.js';
import { waitFor } from '../helpers/gate-run.js';
import { journalViolations, truthViolations } from '../reliability/journal-truth.js';
import {
  afterJob,
  agentJobDir,
  indexOf,
  marker,
  readText,
  startAgentJob,
  writeHook,
  type AgentJobDir,
} from './support/killable-job.js';

let j: AgentJobDir;
beforeEach(() => {
  j = agentJobDir();
  writeFileSync(j.path('data'), 'a payload signed through the agent gate\n');
});
afterEach(() => j.cleanup());

/** The command: one unmodified gpg signing through the proxy; its exit status in child.exit. */
function signingChild(): string[] {
  writeFileSync(j.path('child.sh'), `/usr/bin/gpg --detach-sign --armor -u ${j.fpr} data\necho $? > child.exit\n`);
  return ['sh', j.path('child.sh')];
}

/** Every fact a crash leaves, checked against the journal-truth rules of the crash matrix. */
function truth(after: Awaited<ReturnType<typeof afterJob>>, runExit: number | null): string[] {
  return [
    ...journalViolations(after.records),
    ...truthViolations({
      ...after,
      runExit,
      outputs: marker(j, 'data.asc') ? 1 : 0,
      hookStarted: marker(j, 'hook.started'),
      hookCommitted: marker(j, 'hook.committed'),
      hookTransient: false,
      hookRefused: false,
    }),
  ];
}

describe('SIGKILL of the supervisor (and with it the proxy)', () => {
  it('while gpg waits on a held PKSIGN: gpg fails on its own, no PKSIGN reached the agent, committed unknown', async () => {
    const mark = j.log.mark();
    const run = startAgentJob(j, writeHook(j, { hold: true }), signingChild());
    let stderr = '';
    run.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    // `exit`, not the pipes' close: the held hook, an orphan now, keeps the supervisor's stderr open.
    const exited = new Promise((resolve) => run.child.once('exit', (_code, signal) => resolve(signal)));
    await waitFor(() => marker(j, 'hook.started'), 30_000, 'the commit hook');
    run.child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // gpg lost its agent mid-command: its own IPC error, exit 2.
    await waitFor(() => marker(j, 'child.exit'), 30_000, 'gpg to give up');
    expect(readText(j, 'child.exit')).toBe('2');
    await waitFor(() => /gpg: signing failed: End of file/.test(stderr), 10_000, "gpg's message");
    // The orphaned hook may now commit: status must not read as "nothing committed".
    writeFileSync(j.path('hook.release'), '');
    const after = await afterJob(j, mark);
    expect(after.agentSignatures).toBe(0);
    expect(marker(j, 'data.asc')).toBe(false);
    expect(after.records.map((x) => x.event)).toContain('commit-requested');
    expect(after.records.find((x) => x.event === 'sign-requested')).toMatchObject({
      request: { type: 'agent-pksign', keygrip: expect.stringMatching(/^[0-9A-F]{40}$/) as unknown },
    });
    expect(after.status).toMatchObject({ committed: 'unknown', outcome: 'unknown' });
    expect(truth(after, null)).toEqual([]);
  });

  it('right after the hook committed (journaled): PKSIGN never sent, committed yes, failed-after-commit', async () => {
    const faults = new FaultDir(j.path('faults'));
    const mark = j.log.mark();
    const run = startAgentJob(j, writeHook(j), signingChild(), faults.env(['journal.after.committed:kill']));
    const r = await run.done;
    expect(r.signal).toBe('SIGKILL');
    expect(faults.fired().map((f) => f.step)).toEqual(['journal.after.committed']);
    await waitFor(() => marker(j, 'child.exit'), 30_000, 'gpg to give up');
    expect(readText(j, 'child.exit')).toBe('2');
    const after = await afterJob(j, mark);
    expect(after.agentSignatures).toBe(0);
    expect(marker(j, 'data.asc')).toBe(false);
    expect(after.records.map((x) => x.event).slice(-2)).toEqual(['commit-requested', 'committed']);
    expect(after.status).toMatchObject({ committed: 'yes', outcome: 'failed-after-commit' });
    expect(truth(after, null)).toEqual([]);
  });
});

// Runs inside the job: speaks raw bytes to the proxy, one connection per misdeed, and writes what it saw.
const PROBE = String.raw`
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';

function open() {
  const s = createConnection(process.env.GPG_GATE_AGENT_SOCKET);
  const lines = [];
  let buf = '';
  let closed = false;
  let wake = () => {};
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    wake();
  });
  s.on('close', () => { closed = true; wake(); });
  s.on('error', () => {});
  /** Lines up to and including the next OK/ERR; [..., 'CLOSED'] if the proxy hung up first. */
  async function answer(ms = 60000) {
    const out = [];
    const deadline = Date.now() + ms;
    for (;;) {
      while (lines.length > 0) {
        const l = lines.shift();
        out.push(l);
        if (l === 'OK' || l.startsWith('OK ') || l.startsWith('ERR ')) return out;
      }
      if (closed) return [...out, 'CLOSED'];
      if (Date.now() > deadline) return [...out, 'TIMEOUT'];
      await new Promise((r) => { wake = r; setTimeout(r, 50); });
    }
  }
  return { send: (b) => s.write(b), answer, end: () => s.end() };
}

// No LF (one line), no space or tab (one 600-byte word: all of it would be the command name).
const noLf = (b) => Buffer.from(b.map((x) => (x === 0x0a || x === 0x20 || x === 0x09 ? 0 : x)));
const seen = {};
const bystander = open();
seen.bystanderGreeting = await bystander.answer();

const long = open();
await long.answer();
long.send('NOP ' + 'x'.repeat(1500) + '\n');
seen.overlong = await long.answer();
bystander.send('NOP\n');
seen.bystanderAfterOverlong = await bystander.answer();

const d = open();
await d.answer();
d.send('D c2lnbmF0dXJl\n');
seen.dLine = await d.answer();
d.send('NOP\n');
seen.afterDLine = await d.answer();

const garbage = open();
await garbage.answer();
garbage.send(Buffer.concat([noLf(randomBytes(600)), Buffer.from('\n')]));
seen.garbageLine = await garbage.answer();
garbage.send(noLf(randomBytes(3000)));
seen.garbageStream = await garbage.answer();

const bare = open();
await bare.answer();
bare.send('PKSIGN\n');
seen.barePksign = await bare.answer();
bare.end();

bystander.send('NOP\n');
seen.bystanderAtEnd = await bystander.answer();
bystander.end();
writeFileSync('probe.json', JSON.stringify(seen, null, 1));
// The D connection is still open (on purpose: a refusal does not end it).
process.exit(0);
`;

describe('malformed client input on the proxy socket', () => {
  it('ends only the guilty connection, still holds a bare PKSIGN for the commit step, then gpg signs', async () => {
    writeFileSync(j.path('probe.mjs'), PROBE);
    writeFileSync(
      j.path('child.sh'),
      [
        `${process.execPath} probe.mjs || exit 9`,
        `/usr/bin/gpg --detach-sign --armor -u ${j.fpr} data || exit 8`,
        `/usr/bin/gpg --verify data.asc data 2> verify.out || exit 7`,
      ].join('\n') + '\n',
    );
    const mark = j.log.mark();
    const r = await startAgentJob(j, writeHook(j), ['sh', j.path('child.sh')]).done;
    expect(r.code, r.stderr).toBe(0);
    const seen = JSON.parse(readText(j, 'probe.json')) as Record<string, string[]>;
    const forbidden = 'ERR 67109115 Forbidden <GPG Agent>';
    expect(seen.bystanderGreeting?.at(-1)).toMatch(/^OK /);
    // A line over libassuan's 1000 bytes: the proxy hangs up, answering nothing.
    expect(seen.overlong).toEqual(['CLOSED']);
    expect(seen.bystanderAfterOverlong).toEqual(['OK']);
    // Outside an INQUIRE a D line is just an unknown command: refused, and the connection goes on.
    expect(seen.dLine?.at(-1)).toBe(forbidden);
    expect(seen.afterDLine).toEqual(['OK']);
    expect(seen.garbageLine?.at(-1)).toBe(forbidden);
    // 3000 bytes without a line end cannot be a line: a protocol violation.
    expect(seen.garbageStream).toEqual(['CLOSED']);
    // PKSIGN with no key and no hash set: held all the same, sent after the commit, and the agent says no.
    expect(seen.barePksign?.at(-1)).toMatch(/^ERR \d+ /);
    expect(seen.barePksign?.at(-1)).not.toBe(forbidden);
    expect(seen.bystanderAtEnd).toEqual(['OK']);
    expect(r.stderr).toMatch(/the client broke the protocol: a line of 1505 bytes/);
    expect(r.stderr).toMatch(/the client broke the protocol: more than 1001 bytes without a line end/);

    const after = await afterJob(j, mark);
    expect(readText(j, 'hook.pksigns-seen')).toBe('0');
    // The bare PKSIGN and gpg's: both reached the agent, both after the commit.
    expect(after.agentSignatures).toBe(2);
    const requests = after.records.filter((x) => x.event === 'sign-requested');
    expect(requests.map((x) => x.request)).toMatchObject([
      { type: 'agent-pksign', keygrip: null, digest: null },
      { type: 'agent-pksign', keygrip: expect.stringMatching(/^[0-9A-F]{40}$/) as unknown },
    ]);
    const signed = after.records.filter((x) => x.event === 'signed');
    expect(signed.map((x) => x.exit)).toEqual([2, 0]);
    expect(signed[0]).toMatchObject({ agentError: seen.barePksign?.at(-1) });
    expect(indexOf(after.records, 'committed')).toBeLessThan(indexOf(after.records, 'sign-approved'));
    expect(after.records.filter((x) => x.event === 'commit-requested')).toHaveLength(1);
    const refused = after.records.filter((x) => x.event === 'agent-refused');
    // The garbage line's bytes stay out of the journal: only its length is kept.
    expect(refused.map((x) => x.command)).toEqual(['D', '(no command word, a line of 600 bytes)']);
    expect(after.records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded', signatures: 1 });
    expect(after.status).toMatchObject({ committed: 'yes', outcome: 'succeeded' });
    expect(readText(j, 'verify.out')).toMatch(/Good signature/);
    expect(journalViolations(after.records)).toEqual([]);
  });
});

// The operator's timeline under the agent gate: a signature is counted once (its PKSIGN), not again for the shim's
// report of the gpg call that made it; refused agent commands are named once.
import { describe, expect, it } from 'vitest';
import type { EventLine, JobOptionsRecord, RecordedRequest } from '../../harness/records.js';
import { Timeline } from '../../harness/timeline.js';

const envelope = { v: 1, time: '2026-12-03T00:00:00.000Z', job: 'J' } as const;
const options = (agentGate: boolean): JobOptionsRecord => ({
  commit: 'auto',
  onCommit: null,
  retries: 0,
  retryDelaySeconds: 1,
  commitTimeoutSeconds: 600,
  socket: '/s',
  journal: '/j',
  eventsFd: null,
  decisionsFd: null,
  ...(agentGate ? { agentGate: { keyHome: '/k', proxySocket: '/p', jobHome: '/h', shim: true } } : {}),
});
const shim = { type: 'sign-request', argv: ['-bsau', 'K'] } as unknown as RecordedRequest;
const agent: RecordedRequest = {
  v: 1,
  type: 'agent-pksign',
  connection: 1,
  keygrip: 'AB',
  hashAlgo: '8',
  digest: 'cd',
  keyDescription: null,
};

function lines(agentGate: boolean, shimExit = 0): string[] {
  const out: string[] = [];
  const t = new Timeline((l) => out.push(l));
  let seq = 0;
  const e = (body: object) => t.event({ ...envelope, seq: ++seq, ...body } as EventLine);
  const signed = (id: string, exit: number) =>
    e({ event: 'signed', attempt: 1, id, exit, signal: null, outputSha256: null, outputSize: null });
  e({
    event: 'job-started',
    supervisor: { pid: 1, startTime: 1, bootId: 'b' },
    command: [],
    cwd: '/',
    options: options(agentGate),
  });
  e({ event: 'sign-requested', attempt: 1, id: 's1', request: shim, requestSha256: 'x' });
  if (agentGate) {
    e({ event: 'agent-refused', attempt: 1, connection: 1, command: 'SCD', why: 'smartcard' });
    e({ event: 'sign-requested', attempt: 1, id: 'agent-1', request: agent, requestSha256: 'y' });
    signed('agent-1', 0);
    e({ event: 'agent-refused', attempt: 1, connection: 2, command: 'SCD', why: 'smartcard' });
  }
  signed('s1', shimExit);
  e({ event: 'child-exited', attempt: 1, exitCode: 0, signal: null });
  return out;
}

describe('the timeline under the agent gate', () => {
  it('counts the PKSIGN, not the shim report of the same signature', () => {
    expect(lines(true).at(-1)).toBe('gpg-gate: attempt 1: the command exited with 0; 1 signature');
    expect(lines(false).at(-1)).toBe('gpg-gate: attempt 1: the command exited with 0; 1 signature');
  });

  it('names a refused agent command once, and still reports a shimmed call that failed', () => {
    const out = lines(true, 2);
    expect(out.filter((l) => l.includes('agent gate refused SCD'))).toHaveLength(1);
    expect(out).toContain('gpg-gate: a signing call failed after approval (gpg exit 2)');
  });
});

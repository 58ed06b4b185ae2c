// The checks the matrices rely on catch what they claim to catch: fabricated journals and worlds that lie.
import { describe, expect, it } from 'vitest';
import { deriveStatus } from '../../harness/status.js';
import type { JobRecord } from '../../harness/records.js';
import { journalViolations, truthViolations, type WorldFacts } from './journal-truth.js';

const dead = () => false;
const request = {
  v: 1,
  type: 'sign-request',
  id: 'r1',
  pid: 1,
  cwd: '/',
  argv: [],
  commands: ['detach-sign'],
  kind: 'data',
  mode: 'detach',
  localUsers: [],
  armor: true,
  textmode: false,
  digestAlgo: null,
  inputs: [],
  sha256: 'a'.repeat(64),
  size: 0,
  output: '-',
  backend: 'gnupg',
  payload: false,
} as const;

/** A journal from event names (with the fields the checks read), seq numbered. */
function journal(...events: (string | [string, Record<string, unknown>])[]): JobRecord[] {
  return events.map((e, i) => {
    const [event, extra] = typeof e === 'string' ? [e, {}] : e;
    const base = { v: 1, seq: i + 1, time: '', job: 'j', event, attempt: 1, id: 'r1', request };
    const fields: Record<string, unknown> =
      event === 'job-started' ? { supervisor: { pid: 1, startTime: null, bootId: null } } : {};
    return { ...base, ...fields, ...extra } as unknown as JobRecord;
  });
}

function world(records: JobRecord[], facts: Partial<WorldFacts> = {}): WorldFacts {
  return {
    records,
    status: deriveStatus(records, dead),
    runExit: null,
    agentSignatures: 0,
    outputs: 0,
    hookStarted: false,
    hookCommitted: false,
    hookTransient: false,
    hookRefused: false,
    ...facts,
  };
}

const upToCommit = ['job-started', 'attempt-started', 'sign-requested', 'commit-requested'];

describe('journal invariants', () => {
  it('a real shape passes', () => {
    const ok = journal(
      ...upToCommit,
      'committed',
      'sign-approved',
      ['signed', { exit: 0 }],
      ['job-ended', { outcome: 'succeeded', exitCode: 0, signatures: 1 }],
    );
    expect(journalViolations(ok)).toEqual([]);
  });

  it('catches a gap in seq, approval before commit, a second commit step, a result never approved', () => {
    const gap = journal('job-started', 'attempt-started');
    (gap[1] as { seq: number }).seq = 3;
    expect(journalViolations(gap)).toEqual([expect.stringContaining('seq 3')]);
    expect(journalViolations(journal('job-started', 'attempt-started', 'sign-requested', 'sign-approved'))).toEqual([
      expect.stringContaining('approved before any committed'),
    ]);
    expect(journalViolations(journal(...upToCommit, 'committed', 'commit-requested'))).toContainEqual(
      expect.stringContaining('second commit step'),
    );
    expect(journalViolations(journal('job-started', 'attempt-started', 'sign-requested', 'signed'))).toEqual([
      expect.stringContaining('not approved'),
    ]);
  });
});

describe('the truth of status', () => {
  it('a signature without a durable committed record', () => {
    const records = journal('job-started', 'attempt-started', 'sign-requested');
    expect(truthViolations(world(records, { agentSignatures: 1 }))).toContainEqual(
      expect.stringContaining('no committed record'),
    );
  });

  it('failed-before-commit after a commit step that completed, or may have', () => {
    const records = journal('job-started', 'attempt-started', 'sign-requested', 'commit-requested', [
      'commit-failed',
      { reason: 'transient' },
    ]);
    expect(truthViolations(world(records, { hookStarted: true, hookTransient: true }))).toEqual([]);
    expect(truthViolations(world(records, { hookStarted: true, hookCommitted: true }))).toContainEqual(
      expect.stringContaining('after the commit step completed'),
    );
    expect(truthViolations(world(records, { hookStarted: true }))).toContainEqual(
      expect.stringContaining('may have committed'),
    );
  });

  it('unknown exactly when the decision is missing', () => {
    expect(truthViolations(world(journal(...upToCommit), { hookStarted: true }))).toEqual([]);
    const lying = world(journal(...upToCommit, 'committed'));
    lying.status = { ...lying.status, outcome: 'unknown' };
    expect(truthViolations(lying)).toContainEqual(expect.stringContaining('on record'));
  });

  it('exit 75 while a signature exists', () => {
    const records = journal('job-started', 'attempt-started');
    expect(truthViolations(world(records, { runExit: 75, outputs: 1 }))).toContainEqual(
      expect.stringContaining('exit 75 but a signature exists'),
    );
  });
});

// The commit-state model (harness/commit-state.ts), case by case: no process, no file.
import { describe, expect, it } from 'vitest';
import {
  committed,
  continuationRefusal,
  failureExitCode,
  jobResult,
  retriable,
  type CommitState,
} from '../../harness/commit-state.js';

const states: Record<CommitState['kind'], CommitState> = {
  'not-asked': { kind: 'not-asked' },
  committed: { kind: 'committed' },
  transient: { kind: 'transient' },
  refused: { kind: 'refused' },
  unknown: { kind: 'unknown', why: 'the commit hook was killed by SIGKILL' },
};

describe('committed', () => {
  it.each([
    ['not-asked', 'no'],
    ['committed', 'yes'],
    ['transient', 'no'],
    ['refused', 'no'],
    ['unknown', 'unknown'],
  ] as const)('%s → %s', (kind, expected) => {
    expect(committed(states[kind])).toBe(expected);
  });
});

describe('jobResult', () => {
  const ok = { failed: false, exitCode: 0, signal: null };
  const exit = (code: number) => ({ failed: true, exitCode: code, signal: null });
  const killed = (n: number) => ({ failed: true, exitCode: null, signal: n });
  // An attempt can fail with exit 0: a signature it asked for was refused.
  const aborted = { failed: true, exitCode: 0, signal: null };

  it.each([
    ['not-asked', ok, 'succeeded', 0],
    ['not-asked', exit(3), 'failed-before-commit', 75],
    ['not-asked', killed(15), 'failed-before-commit', 75],
    ['committed', ok, 'succeeded', 0],
    ['committed', exit(3), 'failed-after-commit', 3],
    ['committed', exit(75), 'failed-after-commit', 1],
    ['committed', aborted, 'failed-after-commit', 1],
    ['committed', killed(15), 'failed-after-commit', 143],
    ['transient', aborted, 'failed-before-commit', 75],
    ['transient', exit(2), 'failed-before-commit', 75],
    ['refused', aborted, 'commit-refused', 75],
    ['refused', exit(2), 'commit-refused', 75],
    ['unknown', aborted, 'unknown', 1],
    ['unknown', exit(2), 'unknown', 2],
    ['unknown', exit(75), 'unknown', 1],
    ['unknown', killed(9), 'unknown', 137],
  ] as const)('%s, %j → %s, exit %i', (kind, end, outcome, exitCode) => {
    expect(jobResult(states[kind], end)).toEqual({ outcome, exitCode });
  });

  it('exit 75 exactly when the attempt failed and nothing was committed', () => {
    for (const state of Object.values(states)) {
      for (const end of [ok, exit(1), exit(75), aborted, killed(2)]) {
        const r = jobResult(state, end);
        expect(r.exitCode === 75, `${state.kind} ${JSON.stringify(end)}`).toBe(end.failed && committed(state) === 'no');
      }
    }
  });
});

describe('retriable', () => {
  it.each([
    ['not-asked', true],
    ['committed', false],
    ['transient', true],
    ['refused', false],
    ['unknown', false],
  ] as const)('%s → %s', (kind, expected) => {
    expect(retriable(states[kind])).toBe(expected);
  });
});

describe('failureExitCode', () => {
  it.each([
    [3, null, 3],
    [0, null, 1],
    [75, null, 1],
    [null, null, 1],
    [null, 15, 143],
    [127, null, 127],
  ] as const)('exit %s, signal %s → %i', (code, signal, expected) => {
    expect(failureExitCode(code, signal)).toBe(expected);
  });
});

describe('continuationRefusal', () => {
  const verdict = (outcome: string, c: 'yes' | 'no' | 'unknown', why: string | null = null) =>
    continuationRefusal({ job: 'J', outcome: outcome as never, committed: c, unknownWhy: why });

  it('nothing committed: continued, whatever the outcome', () => {
    for (const outcome of ['succeeded', 'failed-before-commit', 'commit-refused']) {
      expect(verdict(outcome, 'no')).toBeNull();
    }
  });
  it('committed: refused, saying so', () => {
    expect(verdict('succeeded', 'yes')).toBe(
      'job J committed (outcome succeeded): its signatures may be public, so it is never run again; start a new job',
    );
  });
  it('may have committed: refused, saying why', () => {
    expect(verdict('unknown', 'unknown', 'no decision within 1 s')).toBe(
      "job J may have committed (no decision within 1 s): find out from the commit step's side, then start a new job",
    );
  });
  it('running: refused', () => {
    expect(verdict('running', 'no')).toBe('job J is still running');
  });
});

// I5 (docs/design.md): SIGKILL any participant — shim, command, commit hook, supervisor — at each named step
// (fault points, docs/protocol.md §12: reached deterministically, never by sleeping), and `gpg-gate status` still
// tells the truth: no signature (in gpg-agent's PKSIGN log or on disk) unless `committed` was durable;
// failed-before-commit never after a completed commit step; unknown exactly when a commit decision is not on record.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Lane, cellName, runCell, SCENARIO_EVENTS, type Cell, type CellResult } from './crash-cell.js';
import { eventScenarios, matrix } from './matrix-cells.js';
import { FULL_MATRIX, REPETITIONS } from './matrix-size.js';

// Real processes by the dozen: on a busy 2-core machine a step may wait its turn for a long while.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/** Lanes run cells side by side, one at a time each (each lane has its own gpg-agent and PKSIGN log). */
const LANES = 3;
const free: Lane[] = [];
const waiting: ((lane: Lane) => void)[] = [];

async function onLane(cell: Cell): Promise<CellResult> {
  const lane = free.pop() ?? (await new Promise<Lane>((resolve) => waiting.push(resolve)));
  try {
    return await runCell(lane, cell);
  } finally {
    const next = waiting.shift();
    if (next) next(lane);
    else free.push(lane);
  }
}

const tally = new Map<string, { runs: number; outcomes: Map<string, number> }>();

beforeAll(() => {
  for (let i = 0; i < LANES; i++) free.push(new Lane());
});
afterAll(() => {
  for (const lane of free) lane.cleanup();
  let cells = 0;
  let runs = 0;
  const lines = [...tally].map(([group, t]) => {
    const n = t.runs / REPETITIONS;
    cells += n;
    runs += t.runs;
    const outcomes = [...t.outcomes].map(([o, k]) => `${o} ${k}`).join(', ');
    return `  ${group}: ${n} cells × ${REPETITIONS} = ${t.runs} runs (${outcomes})`;
  });
  console.log(
    `crash matrix (${FULL_MATRIX ? 'full' : 'subset'}): ${cells} cells × ${REPETITIONS} = ${runs} runs\n${lines.join('\n')}`,
  );
});

it('the scenarios together write every journal event type', () => {
  expect([...eventScenarios().keys()].sort()).toEqual(
    [
      'attempt-ended',
      'attempt-started',
      'child-exited',
      'child-started',
      'commit-failed',
      'commit-refused',
      'commit-requested',
      'committed',
      'job-ended',
      'job-resumed',
      'job-started',
      'sign-approved',
      'sign-refused',
      'sign-requested',
      'sign-unreported',
      'signal-forwarded',
      'signed',
    ].sort(),
  );
});

for (const group of matrix()) {
  const runs = group.cells.flatMap((cell) => Array.from({ length: REPETITIONS }, (_, rep) => ({ cell, rep })));
  describe.concurrent(group.name, () => {
    it.each(runs.map((r) => [`${cellName(r.cell)}${REPETITIONS > 1 ? ` #${r.rep + 1}` : ''}`, r.cell] as const))(
      '%s',
      async (_name, cell) => {
        const r = await onLane(cell);
        const t = tally.get(group.name) ?? { runs: 0, outcomes: new Map<string, number>() };
        t.runs += 1;
        t.outcomes.set(r.status.outcome, (t.outcomes.get(r.status.outcome) ?? 0) + 1);
        tally.set(group.name, t);
        const context = {
          events: r.records.map((x) => x.event),
          outcome: r.status.outcome,
          exit: r.runExit,
          stderr: r.stderr,
        };
        expect(r.violations, JSON.stringify(context, null, 1)).toEqual([]);
        if (group.name === 'baseline') {
          expect([...context.events].sort()).toEqual([...SCENARIO_EVENTS[cell.scenario]].sort());
        }
      },
    );
  });
}

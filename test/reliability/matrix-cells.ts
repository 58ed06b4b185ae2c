// The cells of the crash matrix: which participant dies at which named step, in which scenario.
import { SCENARIO_EVENTS, type Cell, type Participant, type Scenario } from './crash-cell.js';
import { FULL_MATRIX } from './matrix-size.js';

export const SCENARIOS = Object.keys(SCENARIO_EVENTS) as Scenario[];

/** The shim's steps (docs/protocol.md §12), in the order a signing call passes them. */
export const SHIM_STEPS = [
  'shim.before-connect',
  'shim.after-request',
  'shim.after-proceed',
  'shim.gpg-running',
  'shim.after-gpg',
] as const;

/** Events the faulted run writes (for `resume`, those after the set-up run it continues). */
export function faultableEvents(scenario: Scenario): string[] {
  const events = SCENARIO_EVENTS[scenario];
  const from = events.indexOf('job-resumed');
  return [...new Set(from < 0 ? events : events.slice(from))];
}

/** Every journaled event type, each with the scenarios that write it. */
export function eventScenarios(): Map<string, Scenario[]> {
  const map = new Map<string, Scenario[]>();
  for (const s of SCENARIOS) for (const e of faultableEvents(s)) map.set(e, [...(map.get(e) ?? []), s]);
  return map;
}

/** Journal writes that guard an action (the commit step, a decision, a recorded result). */
const GUARDING = ['sign-requested', 'commit-requested', 'committed', 'sign-approved', 'signed'];

/** Steps where the command (and, between request and report, the shim) is alive while the supervisor is paused. */
const CROSS_STEPS = GUARDING;

export interface MatrixGroup {
  name: string;
  cells: Cell[];
}

export function matrix(): MatrixGroup[] {
  const groups: MatrixGroup[] = [];
  groups.push({
    name: 'baseline',
    cells: [
      ...SCENARIOS.map((scenario) => ({ scenario, faults: [], mustFire: null })),
      { scenario: 'commit', faults: [], mustFire: null, agentGate: true },
    ],
  });

  // The supervisor dies before and after each journal write, of every event type. The subset takes each event in
  // the first scenario that writes it, before its write (after it too for the writes that guard an action); the full
  // matrix takes every scenario, both sides of every write, and torn and failed writes too.
  const supervisor: Cell[] = [];
  for (const [event, scenarios] of eventScenarios()) {
    for (const scenario of FULL_MATRIX ? scenarios : scenarios.slice(0, 1)) {
      supervisor.push({ scenario, faults: [`journal.before.${event}:kill`] });
      if (FULL_MATRIX || GUARDING.includes(event))
        supervisor.push({ scenario, faults: [`journal.after.${event}:kill`] });
      if (FULL_MATRIX) {
        supervisor.push({ scenario, faults: [`journal.before.${event}:torn`] });
        supervisor.push({ scenario, faults: [`journal.before.${event}:enospc`] });
      }
    }
  }
  if (!FULL_MATRIX) {
    for (const event of ['sign-requested', 'committed'])
      supervisor.push({ scenario: 'commit', faults: [`journal.before.${event}:torn`] });
    for (const event of ['commit-requested', 'committed'])
      supervisor.push({ scenario: 'commit', faults: [`journal.before.${event}:enospc`] });
  }
  groups.push({ name: 'supervisor at each journal write', cells: supervisor });

  // The shim dies at each of its steps; or, paused there, the command or the supervisor dies.
  const shim: Cell[] = [];
  for (const step of SHIM_STEPS) {
    shim.push({ scenario: 'commit', faults: [`${step}:kill`] });
    for (const victim of ['child', 'supervisor'] as Participant[])
      shim.push({ scenario: 'commit', faults: [`${step}:pause`], pauseAt: step, victim });
  }
  groups.push({ name: 'shim at each step', cells: shim });

  // While the hook runs (the shim waits for the decision): each participant dies.
  const hook: Cell[] = [];
  for (const scenario of FULL_MATRIX ? (['commit', 'refuse', 'transient'] as Scenario[]) : (['commit'] as Scenario[]))
    for (const victim of ['hook', 'supervisor', 'shim', 'child'] as Participant[])
      hook.push({ scenario, faults: [], pauseAt: 'hook', victim, mustFire: null });
  groups.push({ name: 'during the commit hook', cells: hook });

  // The agent gate: the supervisor, and with it the proxy holding gpg's PKSIGN, dies at each of the gate's steps.
  const agent = (faults: string[], extra: Partial<Cell> = {}): Cell => ({
    scenario: 'commit',
    faults,
    agentGate: true,
    ...extra,
  });
  groups.push({
    name: 'the agent gate: supervisor (the proxy) at each step of a PKSIGN',
    cells: [
      // Held, before and after sign-requested is durable.
      agent(['journal.before.sign-requested:kill']),
      agent(['journal.after.sign-requested:kill']),
      // While the commit hook runs.
      agent([], { pauseAt: 'hook', victim: 'supervisor', mustFire: null }),
      // Committed (and approved), PKSIGN not yet sent upstream.
      agent(['journal.after.committed:kill']),
      agent(['journal.after.sign-approved:kill']),
      // PKSIGN sent upstream, the agent's answer not yet read; then answered, `signed` not yet durable.
      agent(['agent-gate.after-pksign:kill']),
      agent(['journal.before.signed:kill']),
    ],
  });

  if (FULL_MATRIX) {
    // The supervisor paused before or after a write while the shim or the command dies.
    const cross: Cell[] = [];
    for (const event of CROSS_STEPS)
      for (const when of ['before', 'after'])
        for (const victim of ['shim', 'child'] as Participant[]) {
          const step = `journal.${when}.${event}`;
          cross.push({ scenario: 'commit', faults: [`${step}:pause`], pauseAt: step, victim });
        }
    groups.push({ name: 'shim or command dies while the supervisor is at a journal write', cells: cross });
  }
  return groups;
}

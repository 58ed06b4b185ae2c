// The agent gate (`gpg-gate run --agent-gate --gnupghome KEYHOME`) against gpg alone with the key at hand. Each
// comparison runs inside one long-lived job whose driver alternates the job's own gpg (its GNUPGHOME: public keys and
// a redirect to the supervisor's Assuan proxy) with the same gpg outside any job (GNUPGHOME the key holder's, no
// GPG_GATE_* at all), so that both see the same machine and the same key holder's agent.
// With --no-shim nothing is on PATH, so a read-only call costs what its home costs (copied keyring, `no-autostart`);
// a signature adds the proxy's PKSIGN relay and the journal's fsync'd records; a large one is hashed by gpg itself.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { PlannedCommand } from './driver.js';
import type { Rounds } from './interleave.js';
import { sizeLabel, writeFileOfSize } from './large-payload.js';
import { differences, formatSpread, ms, ratios, signedMs, summarize, times } from './stats.js';
import type { Row } from './table.js';
import { runGatedJob } from './under-gate.js';
import type { Workspace } from './workspace.js';

const TARGET_READ_ONLY = 1.02;
const TARGET_SIGN_MS = 5;
const TARGET_LARGE = 1.05;

export interface AgentGateConfig {
  readOnly: Rounds;
  sign: Rounds;
  largeBytes: number;
  large: Rounds;
}

/** `gpg-gate run` options of an agent-gated job on the workspace's key home. */
function agentGate(ws: Workspace, shim: boolean): string[] {
  return ['--agent-gate', '--gnupghome', ws.home, ...(shim ? [] : ['--no-shim'])];
}

/** The same call outside any job, with the key holder's own home. */
function alone(name: string, file: string, args: string[], ws: Workspace): PlannedCommand {
  return { name, file, args, outsideJob: true, set: { GNUPGHOME: ws.home } };
}

const msOf = (samples: { ms: number }[] | undefined) => (samples ?? []).map((s) => s.ms);

/** Counts a job's journaled PKSIGN requests: proof that the gated side really signed through the proxy. */
function pksignCount(journal: string): number {
  return readFileSync(journal, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"agent-pksign"')).length;
}

function ratioRow(what: string, ours: number[], base: number[], target: number | null): Row {
  const r = summarize(ratios(ours, base));
  return {
    what,
    ours: ms(summarize(ours).median),
    baseline: ms(summarize(base).median),
    result: formatSpread(r, times),
    target: target === null ? '' : `≤ ${target.toFixed(2)}×`,
    met: target === null ? null : r.median <= target,
  };
}

function differenceRow(what: string, ours: number[], base: number[], targetMs: number | null): Row {
  const d = summarize(differences(ours, base));
  return {
    what,
    ours: ms(summarize(ours).median),
    baseline: ms(summarize(base).median),
    result: formatSpread(d, signedMs),
    target: targetMs === null ? '' : `≤ +${targetMs} ms`,
    met: targetMs === null ? null : d.median <= targetMs,
  };
}

function readOnlyRows(ws: Workspace, rounds: Rounds): Row[] {
  const calls = [['--version'], ['--list-keys']];
  const { samples } = runGatedJob(
    ws,
    calls.flatMap((args) => [
      { name: `gated ${args[0]}`, file: ws.realGpg, args },
      alone(`alone ${args[0]}`, ws.realGpg, args, ws),
    ]),
    rounds,
    agentGate(ws, false),
  );
  return calls.flatMap(([arg]) => {
    const gated = msOf(samples[`gated ${arg}`]);
    const base = msOf(samples[`alone ${arg}`]);
    return [
      ratioRow(`agent gate --no-shim \`gpg ${arg}\`: in job ÷ gpg alone`, gated, base, TARGET_READ_ONLY),
      differenceRow(`  in job − gpg alone (${arg})`, gated, base, null),
    ];
  });
}

function signRows(ws: Workspace, rounds: Rounds): Row[] {
  const data = ws.path('agent-small.txt');
  writeFileSync(data, 'a small payload, as git signs a commit object\n'.repeat(20));
  const sign = (out: string) => ['--batch', '--yes', '-u', ws.fingerprint, '-o', ws.path(out), '-b', data];
  // The gated side first, so that the warm-up round's first signature is the one that runs the commit step.
  const { samples, journal } = runGatedJob(
    ws,
    [
      { name: 'gated', file: ws.realGpg, args: sign('agent-gated.sig') },
      alone('local', ws.realGpg, sign('agent-local.sig'), ws),
    ],
    rounds,
    agentGate(ws, false),
  );
  const gated = msOf(samples.gated);
  const local = msOf(samples.local);
  const signed = pksignCount(journal);
  if (signed < gated.length)
    throw new Error(`the agent gate journaled ${signed} PKSIGNs for ${gated.length} signatures`);
  return [
    differenceRow('agent gate: detached signature, gated − local key', gated, local, TARGET_SIGN_MS),
    ratioRow('  gated ÷ local key (small detached signature)', gated, local, null),
  ];
}

function largeRows(ws: Workspace, bytes: number, rounds: Rounds): Row[] {
  const data = ws.path('agent-large.bin');
  writeFileOfSize(data, bytes);
  try {
    const sign = (out: string) => ['--batch', '--yes', '-u', ws.fingerprint, '-o', ws.path(out), '-b', data];
    const gpg = alone('gpg', ws.realGpg, sign('agent-large-gpg.sig'), ws);
    const noShim = runGatedJob(
      ws,
      [{ name: 'gated', file: ws.realGpg, args: sign('agent-large-gated.sig') }, gpg],
      rounds,
      agentGate(ws, false),
    ).samples;
    // A job of its own, and `gpg` found on the job's PATH as a caller finds it: the shim's 1 GiB spool is still
    // being written back and unlinked after it exits, which would slow whichever call came next in a shared job.
    const shimmed = runGatedJob(
      ws,
      [{ name: 'shim', file: 'gpg', args: sign('agent-large-shim.sig') }, gpg],
      rounds,
      agentGate(ws, true),
    ).samples;
    return [
      ratioRow(
        `agent gate --no-shim, ${sizeLabel(bytes)} detached: gated ÷ gpg alone`,
        msOf(noShim.gated),
        msOf(noShim.gpg),
        TARGET_LARGE,
      ),
      ratioRow(
        `  shim on PATH (default mode), ${sizeLabel(bytes)}: ÷ gpg alone`,
        msOf(shimmed.shim),
        msOf(shimmed.gpg),
        null,
      ),
    ];
  } finally {
    rmSync(data, { force: true });
  }
}

export function agentGateRows(ws: Workspace, config: AgentGateConfig): Row[] {
  return [
    ...readOnlyRows(ws, config.readOnly),
    ...signRows(ws, config.sign),
    ...largeRows(ws, config.largeBytes, config.large),
  ];
}

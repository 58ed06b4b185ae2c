// `npm run bench`: every comparison of issue 8 measured in one run, each against its baseline in alternation, and
// printed as one table. `--quick` is the smoke test (a few rounds, small sizes), `--only=SECTION,…` runs a part;
// `--driver PLAN` is internal: the part that runs inside a supervised job (driver.ts).
import { writeFileSync } from 'node:fs';
import { agentGateRows, type AgentGateConfig } from './agent-gate.js';
import { concurrentJobRows } from './concurrent-jobs.js';
import { runDriver } from './driver.js';
import { gateRoundTripRows } from './gate-round-trip.js';
import type { Rounds } from './interleave.js';
import { largePayloadRows, sizeLabel } from './large-payload.js';
import { loadAverage, machineLine } from './machine.js';
import { passthroughRows } from './passthrough.js';
import { performanceDoc } from './performance-doc.js';
import { supervisorSigningRows } from './supervisor-signing.js';
import { formatTable, type Row } from './table.js';
import { makeWorkspace, type Workspace } from './workspace.js';

interface Config {
  passthrough: Rounds;
  gate: Rounds;
  largeBytes: number;
  large: Rounds;
  signaturesPerBlock: number;
  coreSeconds: number;
  signing: Rounds;
  jobs: number;
  concurrent: Rounds;
  agentGate: AgentGateConfig;
}

// Full mode: the round counts fit in the 5-minute budget on 2 busy cores; each section stops starting rounds once
// its budget is spent. One batch of 100 gated jobs alone takes a minute or two there, so it usually runs once.
const FULL: Config = {
  passthrough: { warmup: 1, min: 10, max: 40, budgetMs: 30_000 },
  gate: { warmup: 2, min: 10, max: 40, budgetMs: 30_000 },
  largeBytes: 1024 ** 3,
  large: { warmup: 0, min: 3, max: 5, budgetMs: 35_000 },
  signaturesPerBlock: 20,
  coreSeconds: 0.3,
  signing: { warmup: 0, min: 5, max: 10, budgetMs: 25_000 },
  jobs: 100,
  concurrent: { warmup: 0, min: 1, max: 3, budgetMs: 30_000 },
  // A read-only call or a small signature takes milliseconds: many rounds cost little and steady the median.
  agentGate: {
    readOnly: { warmup: 2, min: 20, max: 200, budgetMs: 10_000 },
    sign: { warmup: 2, min: 20, max: 100, budgetMs: 10_000 },
    largeBytes: 1024 ** 3,
    large: { warmup: 0, min: 3, max: 5, budgetMs: 35_000 },
  },
};

const QUICK: Config = {
  passthrough: { warmup: 0, min: 2, max: 2, budgetMs: 0 },
  gate: { warmup: 1, min: 2, max: 2, budgetMs: 0 },
  largeBytes: 16 * 1024 ** 2,
  large: { warmup: 0, min: 2, max: 2, budgetMs: 0 },
  signaturesPerBlock: 5,
  coreSeconds: 0.1,
  signing: { warmup: 0, min: 2, max: 2, budgetMs: 0 },
  jobs: 4,
  concurrent: { warmup: 0, min: 1, max: 1, budgetMs: 0 },
  agentGate: {
    readOnly: { warmup: 1, min: 2, max: 2, budgetMs: 0 },
    sign: { warmup: 1, min: 2, max: 2, budgetMs: 0 },
    largeBytes: 16 * 1024 ** 2,
    large: { warmup: 0, min: 2, max: 2, budgetMs: 0 },
  },
};

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function section(name: string, rows: Row[], run: () => Promise<Row[]> | Row[]): Promise<void> {
  const start = performance.now();
  progress(`${name}…`);
  rows.push(...(await run()));
  progress(`${name}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

const SECTIONS = ['passthrough', 'gate', 'large', 'signing', 'concurrent', 'agent-gate'] as const;
type Section = (typeof SECTIONS)[number];

async function bench(config: Config, quick: boolean, only: ReadonlySet<Section>, doc: string | null): Promise<void> {
  const start = performance.now();
  const loadBefore = loadAverage();
  let ws: Workspace | null = null;
  const cleanUp = () => ws?.cleanup();
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(s, () => {
      cleanUp();
      process.kill(process.pid, s);
    });
  }
  try {
    ws = await makeWorkspace();
    const w = ws;
    const rows: Row[] = [];
    const want = (s: Section) => only.size === 0 || only.has(s);
    if (want('passthrough')) await section('passthrough', rows, () => passthroughRows(w, config.passthrough));
    if (want('gate')) await section('gate round trip', rows, () => gateRoundTripRows(w, config.gate));
    if (want('large'))
      await section(`large payload (${sizeLabel(config.largeBytes)})`, rows, () =>
        largePayloadRows(w, config.largeBytes, config.large),
      );
    if (want('signing'))
      await section('supervisor signing', rows, () =>
        supervisorSigningRows(w, config.signaturesPerBlock, config.coreSeconds, config.signing),
      );
    if (want('concurrent'))
      await section(`${config.jobs} concurrent jobs`, rows, () => concurrentJobRows(w, config.jobs, config.concurrent));
    if (want('agent-gate'))
      await section(`agent gate (${sizeLabel(config.agentGate.largeBytes)} large)`, rows, () =>
        agentGateRows(w, config.agentGate),
      );
    const seconds = ((performance.now() - start) / 1000).toFixed(0);
    const report = [
      `gpg-gate bench${quick ? ' --quick (smoke test: too few rounds to mean anything)' : ''}`,
      machineLine(w.realGpg),
      `load average (1/5/15 min): ${loadBefore} at start, ${loadAverage()} at end; ${seconds} s in all`,
      'each result: per-round ratio or difference of our path and its baseline run alternately, median [p25–p75]',
      '',
      formatTable(rows),
      '',
    ].join('\n');
    process.stdout.write(report);
    if (doc !== null) writeFileSync(doc, performanceDoc(report, new Date().toISOString().slice(0, 16) + ' UTC'));
  } finally {
    cleanUp();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--driver' && args[1]) return runDriver(args[1]);
  let quick = false;
  let doc: string | null = null;
  const only = new Set<Section>();
  for (const a of args) {
    const m = /^--only=(.*)$/.exec(a);
    const d = /^--doc=(.+)$/.exec(a);
    if (a === '--quick') quick = true;
    else if (d?.[1]) doc = d[1];
    else if (m?.[1] && m[1].split(',').every((s) => (SECTIONS as readonly string[]).includes(s)))
      for (const s of m[1].split(',')) only.add(s as Section);
    else {
      process.stderr.write(`usage: node dist/bench.js [--quick] [--only=${SECTIONS.join(',')}] [--doc=FILE]\n`);
      process.exit(64);
    }
  }
  await bench(quick ? QUICK : FULL, quick, only, doc);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

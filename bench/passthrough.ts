// Read-only calls through the shim against the real gpg and against `node -e 0`, the floor of any Node program:
// what a caller pays for the shim on every `gpg --version` or `gpg --list-keys`. With a Node ≥ 22.15 at hand the same
// calls run on it too (first on PATH, so the shim's launcher starts it), against its own `node -e 0`: there the shim
// execs gpg instead of spawning it.
import { interleave, type Rounds, type Variant } from './interleave.js';
import { findNode22 } from './node22.js';
import { differences, formatSpread, ms, ratios, signedMs, summarize, times } from './stats.js';
import type { Row } from './table.js';
import { timeCommand } from './timing.js';
import type { Workspace } from './workspace.js';

/** The target: a read-only call through the shim costs at most 1.10 × starting Node at all. */
const TARGET = 1.1;

export async function passthroughRows(ws: Workspace, rounds: Rounds): Promise<Row[]> {
  const shimEnv = { ...ws.env, PATH: `${ws.shimDir}:${ws.env.PATH ?? ''}` };
  const calls = [['--version'], ['--list-keys']];
  const node22 = findNode22();
  const on22: Variant<number>[] = [];
  if ('node' in node22) {
    const env22 = { ...ws.env, PATH: `${node22.binDir}:${shimEnv.PATH}` };
    on22.push(
      { name: 'node22', run: () => timeCommand({ file: node22.node, args: ['-e', '0'], env: ws.env }).ms },
      ...calls.map((args) => ({
        name: `shim22 ${args[0]}`,
        run: () => timeCommand({ file: ws.shim, args, env: env22 }).ms,
      })),
    );
  }
  const samples = await interleave(
    [
      { name: 'node', run: () => timeCommand({ file: process.execPath, args: ['-e', '0'], env: ws.env }).ms },
      ...calls.flatMap((args) => [
        { name: `gpg ${args[0]}`, run: () => timeCommand({ file: ws.realGpg, args, env: ws.env }).ms },
        // Started by file name through the #! line, exactly as a caller finding it first on PATH starts it.
        { name: `shim ${args[0]}`, run: () => timeCommand({ file: ws.shim, args, env: shimEnv }).ms },
      ]),
      ...on22,
    ],
    rounds,
  );
  const node = samples.node ?? [];
  const rows: Row[] = [];
  for (const [arg] of calls) {
    const shim = samples[`shim ${arg}`] ?? [];
    const gpg = samples[`gpg ${arg}`] ?? [];
    const r = summarize(ratios(shim, node));
    // A shim doing no work at all would still cost Node's start plus gpg's own run.
    const floor = summarize(node.map((n, i) => (n + (gpg[i] ?? Number.NaN)) / n));
    rows.push(
      {
        what: `passthrough \`gpg ${arg}\`: shim ÷ \`node -e 0\``,
        ours: ms(summarize(shim).median),
        baseline: ms(summarize(node).median),
        result: formatSpread(r, times),
        target: `≤ ${TARGET.toFixed(2)}×`,
        met: r.median <= TARGET,
      },
      {
        what: `  floor: (\`node -e 0\` + gpg) ÷ \`node -e 0\``,
        ours: '',
        baseline: '',
        result: formatSpread(floor, times),
        target: '',
        met: null,
      },
      {
        what: `  shim − real gpg (${arg})`,
        ours: ms(summarize(shim).median),
        baseline: ms(summarize(gpg).median),
        result: formatSpread(summarize(differences(shim, gpg)), signedMs),
        target: '',
        met: null,
      },
    );
  }
  if (!('node' in node22)) {
    rows.push({
      what: 'passthrough on Node ≥ 22.15 (execve): skipped',
      ours: 'skipped',
      baseline: '',
      result: node22.skipped,
      target: `≤ ${TARGET.toFixed(2)}×`,
      met: null,
    });
    return rows;
  }
  const n22 = samples.node22 ?? [];
  for (const [arg] of calls) {
    const shim = samples[`shim22 ${arg}`] ?? [];
    const gpg = samples[`gpg ${arg}`] ?? [];
    const r = summarize(ratios(shim, n22));
    rows.push(
      {
        what: `passthrough on Node ≥ 22.15 \`gpg ${arg}\`: shim ÷ \`node -e 0\``,
        ours: ms(summarize(shim).median),
        baseline: ms(summarize(n22).median),
        result: formatSpread(r, times),
        target: `≤ ${TARGET.toFixed(2)}×`,
        met: r.median <= TARGET,
      },
      {
        what: `  floor on Node ${node22.version} (${arg}): (\`node -e 0\` + gpg) ÷ \`node -e 0\``,
        ours: '',
        baseline: '',
        result: formatSpread(summarize(n22.map((n, i) => (n + (gpg[i] ?? Number.NaN)) / n)), times),
        target: '',
        met: null,
      },
    );
  }
  return rows;
}

// Read-only calls through the shim against the real gpg and against `node -e 0`, the floor of any Node program:
// what a caller pays for the shim on every `gpg --version` or `gpg --list-keys`.
import { interleave, type Rounds } from './interleave.js';
import { differences, formatSpread, ms, ratios, signedMs, summarize, times } from './stats.js';
import type { Row } from './table.js';
import { timeCommand } from './timing.js';
import type { Workspace } from './workspace.js';

/** The target: a read-only call through the shim costs at most 1.10 × starting Node at all. */
const TARGET = 1.1;

export async function passthroughRows(ws: Workspace, rounds: Rounds): Promise<Row[]> {
  const shimEnv = { ...ws.env, PATH: `${ws.shimDir}:${ws.env.PATH ?? ''}` };
  const calls = [['--version'], ['--list-keys']];
  const samples = await interleave(
    [
      { name: 'node', run: () => timeCommand({ file: process.execPath, args: ['-e', '0'], env: ws.env }).ms },
      ...calls.flatMap((args) => [
        { name: `gpg ${args[0]}`, run: () => timeCommand({ file: ws.realGpg, args, env: ws.env }).ms },
        // Started by file name through the #! line, exactly as a caller finding it first on PATH starts it.
        { name: `shim ${args[0]}`, run: () => timeCommand({ file: ws.shim, args, env: shimEnv }).ms },
      ]),
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
  return rows;
}

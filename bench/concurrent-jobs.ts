// Many jobs at once: N `gpg-gate run --auto-commit -- gpg -b …` started together (each its own supervisor, journal
// and shim) against the same N `gpg -b …` started together without the gate. Gated and plain batches alternate.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { interleave, type Rounds } from './interleave.js';
import { formatSpread, ms, ratios, signedMs, summarize, times } from './stats.js';
import type { Row } from './table.js';
import type { Workspace } from './workspace.js';

interface Batch {
  wallMs: number;
  /** Each job's own time from its start to its exit. */
  jobMs: number[];
}

function runBatch(commands: { file: string; args: string[] }[], env: NodeJS.ProcessEnv): Promise<Batch> {
  const start = performance.now();
  return Promise.all(
    commands.map(
      (c) =>
        new Promise<number>((resolve, reject) => {
          const t = performance.now();
          const child = spawn(c.file, c.args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.once('error', reject);
          child.once('close', (code, signal) => {
            if (code === 0) resolve(performance.now() - t);
            else reject(new Error(`${c.file} ${c.args.join(' ')} exited ${code ?? signal}: ${stderr.slice(-2000)}`));
          });
        }),
    ),
  ).then((jobMs) => ({ wallMs: performance.now() - start, jobMs }));
}

export async function concurrentJobRows(ws: Workspace, jobs: number, rounds: Rounds): Promise<Row[]> {
  const inputs = Array.from({ length: jobs }, (_, i) => {
    const p = ws.path(`job-${i}.txt`);
    writeFileSync(p, `job ${i}\n`);
    return p;
  });
  const sign = (i: number) => ['--batch', '--yes', '-u', ws.fingerprint, '-o', `${inputs[i]}.sig`, '-b', inputs[i]!];
  let batch = 0;
  const samples = await interleave<Batch>(
    [
      {
        name: 'gated',
        run: async () => {
          // A journal belongs to one job: every batch gets fresh ones.
          const dir = ws.path(`journals-${batch++}`);
          mkdirSync(dir);
          const result = await runBatch(
            inputs.map((_, i) => ({
              file: process.execPath,
              args: [
                ws.cli,
                'run',
                '--quiet',
                '--auto-commit',
                '--journal',
                `${dir}/${i}.jsonl`,
                '--',
                'gpg',
                ...sign(i),
              ],
            })),
            ws.env,
          );
          rmSync(dir, { recursive: true, force: true });
          return result;
        },
      },
      {
        name: 'plain',
        run: () =>
          runBatch(
            inputs.map((_, i) => ({ file: ws.realGpg, args: sign(i) })),
            ws.env,
          ),
      },
    ],
    rounds,
  );
  const gated = samples.gated ?? [];
  const plain = samples.plain ?? [];
  const gw = gated.map((b) => b.wallMs);
  const pw = plain.map((b) => b.wallMs);
  const perJob = summarize(gw.map((g, i) => (g - (pw[i] ?? Number.NaN)) / jobs));
  return [
    {
      what: `${jobs} concurrent jobs: total wall, gated ÷ plain (${gated.length} batches each)`,
      ours: ms(summarize(gw).median),
      baseline: ms(summarize(pw).median),
      result: formatSpread(summarize(ratios(gw, pw)), times),
      target: '(report)',
      met: null,
    },
    {
      what: `${jobs} concurrent jobs: overhead per job, (gated − plain) wall ÷ ${jobs}`,
      ours: '',
      baseline: '',
      result: formatSpread(perJob, signedMs),
      target: '(report)',
      met: null,
    },
    {
      what: `${jobs} concurrent jobs: one job's own time, gated vs plain`,
      ours: ms(summarize(gated.flatMap((b) => b.jobMs)).median),
      baseline: ms(summarize(plain.flatMap((b) => b.jobMs)).median),
      result: `${formatSpread(summarize(gated.flatMap((b) => b.jobMs)), ms)} vs ${formatSpread(summarize(plain.flatMap((b) => b.jobMs)), ms)}`,
      target: '(report)',
      met: null,
    },
  ];
}

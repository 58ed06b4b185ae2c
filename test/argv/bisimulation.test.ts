// Every corpus form is classified and, where it can run here, run through the real gpg in a throwaway home; the
// classifier must agree with what gpg did (see gpg-oracle.ts for how a signature is observed).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../shim/argv/classify.js';
import type { Classification } from '../../shim/argv/types.js';
import { hasTool } from '../helpers/require-tool.js';
import { corpus, DEFAULT_FILES, DEFAULT_STDIN, entryName, type CorpusEntry } from './corpus.js';
import { GpgWorker, runPool, substitute, type GpgObservation } from './gpg-oracle.js';

const WORKERS = 2;
/** Messages gpg prints for a command line it refuses; a call classified sign or passthrough must not get them. */
const REFUSAL =
  /invalid option "|is ambiguous|missing argument for option|conflicting commands|usage: gpg|invalid argument for option/;

interface Outcome {
  entry: CorpusEntry;
  expected: CorpusEntry['expect'];
  classification: Classification;
  observed: GpgObservation | null;
  runtimeFailure: string | null;
}

const haveGpg = hasTool('gpg');
if (!haveGpg && process.env.CI === 'true') throw new Error('gpg is missing under CI; .ci/run must install it');

describe.skipIf(!haveGpg)(
  `argv corpus: classifier vs. the real gpg 2.2${haveGpg ? '' : ' (skipped: gpg not found)'}`,
  () => {
    const workers: GpgWorker[] = [];
    const outcomes: Outcome[] = [];
    const scratch = mkdtempSync(join(tmpdir(), 'gpg-gate-argv-global-'));
    let started = 0;

    beforeAll(async () => {
      // The corpus assumes what this machine has: no global config file for the real gpg.
      if (existsSync('/etc/gnupg/gpg.conf')) throw new Error('/etc/gnupg/gpg.conf exists: the corpus expects none');
      for (let i = 0; i < WORKERS; i++) workers.push(new GpgWorker());
      started = Date.now();
      const results = await runPool(workers, [...corpus.keys()], async (w, i) => {
        const raw = corpus[i] as CorpusEntry;
        const p = w.placeholders();
        const e = substitute(raw, p);
        let globalConfig = '/etc/gnupg/gpg.conf';
        if (e.globalConfig !== undefined) {
          globalConfig = join(scratch, `global-${i}.conf`);
          writeFileSync(globalConfig, e.globalConfig);
        }
        const observe = e.globalConfig === undefined && e.noRun === undefined;
        const { judged, observed } = await w.run(
          {
            argv: e.argv,
            stdin: e.stdin ?? DEFAULT_STDIN,
            files: e.files ?? DEFAULT_FILES,
            homeFiles: e.homeFiles ?? {},
            env: e.env ?? {},
          },
          (cwd, env) => {
            const old = process.cwd();
            process.chdir(cwd);
            try {
              return classify(e.argv, { env, globalConfig });
            } finally {
              process.chdir(old);
            }
          },
          observe,
          (e.setup ?? []).map((s) => ({ argv: s.argv, stdin: s.stdin ?? '' })),
        );
        return {
          entry: e,
          expected: e.expect,
          classification: judged,
          observed,
          runtimeFailure: e.runtimeFailure ?? null,
        } satisfies Outcome;
      });
      outcomes.push(...results);
      process.stdout.write(
        `argv corpus: ${corpus.length} forms, ${results.filter((r) => r.observed).length} run through gpg with ${WORKERS} workers in ${Date.now() - started} ms\n`,
      );
    }, 180_000);

    afterAll(() => {
      for (const w of workers) w.cleanup();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('has at least 150 forms, most of them observed with the real gpg', () => {
      expect(corpus.length).toBeGreaterThanOrEqual(150);
      expect(outcomes.filter((o) => o.observed).length).toBeGreaterThanOrEqual(150);
      const names = corpus.map(
        (e, i) =>
          entryName(e, i).replace(/^\d+: /, '') +
          JSON.stringify([e.homeFiles, e.env, e.globalConfig, e.files, e.stdin]),
      );
      expect(new Set(names).size).toBe(names.length);
    });

    it.each(corpus.map((e, i) => [entryName(e, i), i] as const))('%s', (_name, i) => {
      const o = outcomes[i];
      if (!o) throw new Error('not run (see the beforeAll error)');
      const c = o.classification;
      expect(c, `classification of gpg ${o.entry.argv.join(' ')}`).toMatchObject(o.expected);
      const r = o.observed;
      if (!r) return;
      const what = `gpg ${o.entry.argv.join(' ')} → exit ${String(r.code)}, ${r.signatures} signature(s)\n${r.stderr}`;
      expect(r.timedOut, what).toBe(false);
      if (o.runtimeFailure) {
        expect(c.kind).toBe('sign');
        expect(r.signatures, what).toBe(0);
        expect(r.stderr, what).toContain(o.runtimeFailure);
      } else if (c.kind === 'sign') {
        expect(r.signatures, what).toBeGreaterThan(0);
      } else {
        expect(r.signatures, what).toBe(0);
      }
      if (o.entry.exit !== undefined) expect(r.code, what).toBe(o.entry.exit);
      if (c.kind === 'error') {
        expect(r.code, what).not.toBe(0);
        // An error classification always has its reason, and gpg says the same.
        expect(c.error, `the classifier's reason for ${what}`).toMatch(/\S/);
        expect(r.stderr, what).toContain(c.error);
      } else {
        expect(r.stderr, what).not.toMatch(REFUSAL);
      }
      // Where gpg put a data signature is where the classifier said it would.
      if (c.kind === 'sign' && c.signs === 'data' && !o.runtimeFailure && r.code === 0) {
        if (c.effectiveOutput === '-' || c.effectiveOutput === '-&1') expect(r.stdout.length, what).toBeGreaterThan(0);
        else if (c.effectiveOutput !== '/dev/null') expect([...r.files.keys()], what).toContain(c.effectiveOutput);
      }
    });
  },
);

// Property: for gpg calls generated from gpg's option table, the classifier never says passthrough (or error) when
// the real gpg signs, and when it says "data signature" and gpg succeeds, gpg did sign. Deterministic: a fixed seed
// (GPG_GATE_PROPERTY_SEED), GPG_GATE_PROPERTY_RUNS cases against the real gpg (default 250).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../shim/argv/classify.js';
import type { Classification } from '../../shim/argv/types.js';
import { hasTool } from '../helpers/require-tool.js';
import { gpgCall, type GeneratedCall } from './argv-arbitrary.js';
import { GpgWorker, runPool, substitute, type GpgObservation } from './gpg-oracle.js';

const SEED = Number(process.env.GPG_GATE_PROPERTY_SEED ?? 20251127);
const RUNS = Number(process.env.GPG_GATE_PROPERTY_RUNS ?? 250);
const WORKERS = 2;

const haveGpg = hasTool('gpg');
if (!haveGpg && process.env.CI === 'true') throw new Error('gpg is missing under CI; .ci/run must install it');

/** What must hold between the classification and what gpg did; null when it holds. */
export function disagreement(c: Classification, r: GpgObservation): string | null {
  if (r.timedOut) return 'gpg timed out';
  if (c.kind === 'passthrough' && r.signatures > 0) return 'classified passthrough, but gpg signed';
  if (c.kind === 'error' && r.signatures > 0) return 'classified error, but gpg signed';
  if (c.kind === 'error' && r.code === 0) return `classified error (${c.error}), but gpg succeeded`;
  if (c.kind === 'sign' && c.signs === 'data' && r.code === 0 && r.signatures === 0)
    return 'classified data signature, gpg succeeded without signing';
  return null;
}

describe('classifier on generated command lines', () => {
  it('never throws and always answers one of the three kinds', () => {
    for (const s of fc.sample(gpgCall, { seed: SEED, numRuns: 3000 })) {
      const c = classify(substitute(s.argv, { K: 'KEY', UID: 'U <u@example.invalid>', H: '/nonexistent' }), {
        env: {},
      });
      expect(['passthrough', 'sign', 'error']).toContain(c.kind);
      if (c.kind === 'sign') expect(c.signs).not.toBeNull();
      if (c.kind === 'error') expect(c.error).toBeTruthy();
    }
  });

  // How fast classify is belongs to npm run bench, not to a timed test on a shared machine; what it says about the
  // argv that git, debsign and dgit really pass is asserted here.
  it('classifies the argv of git, debsign and dgit as they mean it', () => {
    const dataSignature = (mode: 'detach' | 'clearsign') => ({ kind: 'sign', signs: 'data', mode, armor: true });
    const typical: [string[], object][] = [
      [['--status-fd=2', '-bsau', 'KEY'], { ...dataSignature('detach'), localUsers: ['KEY'] }],
      [['--keyid-format=long', '--status-fd=1', '--verify', 'sig', '-'], { kind: 'passthrough' }],
      [
        [
          '--local-user',
          'KEY',
          '--clearsign',
          '--list-options',
          'no-show-policy-urls',
          '--armor',
          '--textmode',
          '--output',
          'x.asc',
          'x',
        ],
        { ...dataSignature('clearsign'), textmode: true, output: 'x.asc', localUsers: ['KEY'], args: ['x'] },
      ],
      [['--detach-sign', '--armor', '-u', 'KEY', 'tag.tmp'], { ...dataSignature('detach'), args: ['tag.tmp'] }],
      [['--version'], { kind: 'passthrough' }],
    ];
    for (const [argv, expected] of typical)
      expect(classify(argv, { env: {} }), `gpg ${argv.join(' ')}`).toMatchObject(expected);
  });
});

describe.skipIf(!haveGpg)(
  `classifier vs. the real gpg on generated calls (seed ${SEED}, ${RUNS} runs)${haveGpg ? '' : ' (skipped: gpg not found)'}`,
  () => {
    const workers: GpgWorker[] = [];
    beforeAll(() => {
      for (let i = 0; i < WORKERS; i++) workers.push(new GpgWorker());
    });
    afterAll(() => {
      for (const w of workers) w.cleanup();
    });

    it('passthrough or error ⇒ gpg made no signature; data signature and exit 0 ⇒ gpg signed', async () => {
      process.stdout.write(`argv property: seed ${SEED}, ${RUNS} generated calls (GPG_GATE_PROPERTY_RUNS for more)\n`);
      const cases: GeneratedCall[] = fc.sample(gpgCall, { seed: SEED, numRuns: RUNS });
      const started = Date.now();
      const stats = { sign: 0, passthrough: 0, error: 0, signed: 0, failed: 0 };
      const failures = (
        await runPool(workers, cases, async (w, raw) => {
          const call = substitute(raw, w.placeholders());
          const files: Record<string, string> = { 'f.txt': 'hello\n', 'g.txt': 'world\n' };
          if (call.myConf !== null) files['my.conf'] = call.myConf;
          const { judged, observed } = await w.run(
            {
              argv: call.argv,
              stdin: 'hello\n',
              files,
              homeFiles: call.gpgConf === null ? {} : { 'gpg.conf': call.gpgConf },
              env: {},
            },
            (cwd, env) => {
              const old = process.cwd();
              process.chdir(cwd);
              try {
                return classify(call.argv, { env, globalConfig: '/etc/gnupg/gpg.conf' });
              } finally {
                process.chdir(old);
              }
            },
            true,
            [],
            10_000,
          );
          const problem = observed ? disagreement(judged, observed) : 'not run';
          stats[judged.kind]++;
          if (observed && observed.signatures > 0) stats.signed++;
          if (observed && observed.code !== 0) stats.failed++;
          return problem && observed
            ? `${problem}: gpg ${JSON.stringify(raw.argv)} gpg.conf=${JSON.stringify(raw.gpgConf)} my.conf=${JSON.stringify(raw.myConf)} → ${judged.kind} ${judged.kind === 'error' ? judged.error : ''} | exit ${String(observed.code)}, ${observed.signatures} signature(s): ${observed.stderr.slice(0, 300)}`
            : null;
        })
      ).filter((f): f is string => f !== null);
      process.stdout.write(
        `argv property: ${cases.length} calls in ${Date.now() - started} ms: classified ${stats.sign} sign, ${stats.passthrough} passthrough, ${stats.error} error; gpg signed in ${stats.signed}, exited non-zero in ${stats.failed}\n`,
      );
      expect(failures).toEqual([]);
    }, 600_000);
  },
);

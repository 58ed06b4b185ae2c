// The fake gpg. Read-only calls go straight to the real gpg; a call that would create a signature is gated: it runs
// only after the supervisor explicitly says "proceed". Any doubt means no signature, a gpg-style message, exit 2.
import { writeSync } from 'node:fs';
import { classify } from './argv/classify.js';
import type { Classification } from './argv/types.js';
import { redactArgv, writeLog, type LogRecord } from './log.js';
import { inheritedSignals } from '../common/signal-state.js';
import { GpgLookupError, findRealGpg } from '../common/gpg-lookup.js';
import { execGpg, runGpg, type GpgExit } from './run-gpg.js';
import { readSettings } from './settings.js';
import { ShimError, describe } from './shim-error.js';
import { exitLike, holdBack, signalName } from './signals.js';
import { GPG_EXIT_ERROR } from '../common/gpg-errors.js';

// process.hrtime, not performance.now(): the `performance` global loads perf_hooks (11 internal modules, ~3 ms).
const started = process.hrtime.bigint();
const argv = process.argv.slice(2);
/** How we were started (the launcher passes "$0"): the PATH entry we were found in, for finding the next gpg. */
const self = process.argv[1] ?? null;
const signals = inheritedSignals(process.env);
holdBack([...signals.blocked, ...signals.ignored].map(signalName));
const logPath = process.env.GPG_GATE_LOG || null;

function log(c: Classification | null, fields: Partial<LogRecord>): void {
  if (!logPath) return;
  const problem = writeLog(logPath, {
    time: new Date().toISOString(),
    pid: process.pid,
    ppid: process.ppid,
    argv: redactArgv(argv, c?.secretArgIndexes ?? []),
    classification: c?.kind ?? null,
    ...(c && c.kind !== 'passthrough' ? { commands: c.commands } : {}),
    decision: null,
    exit: null,
    ...fields,
    durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
  });
  // Say so only where stderr is ours to use; a read-only call's stderr must stay byte-identical to gpg's.
  if (problem && c?.kind !== 'passthrough') process.stderr.write(`gpg: gpg-gate: ${problem}\n`);
}

function fail(err: ShimError, c: Classification | null): never {
  const { stderr, status } = describe(err);
  if (stderr.length > 0) process.stderr.write(stderr.join('\n') + '\n');
  if (status !== null && c?.fds.status != null) {
    try {
      writeSync(c.fds.status, `[GNUPG:] ${status}\n`);
    } catch {
      // The caller's status descriptor is gone; stderr already says why.
    }
  }
  log(c, { decision: err.kind === 'refused' ? 'refused' : 'error', reason: err.message, exit: 2 });
  process.exit(GPG_EXIT_ERROR);
}

async function main(): Promise<never> {
  let c: Classification | null = null;
  try {
    c = classify(argv);
    if (c.kind === 'error') throw new ShimError('usage', c.error);
    if (c.kind === 'passthrough') {
      const gpg = findRealGpg(process.env, { self });
      // Where Node can execve, nothing needs logging after gpg ends and gpg needs no descriptor above 2 (Node's
      // execve closes those), the shim becomes gpg.
      if (!logPath && c.extraFds.length === 0) execGpg(gpg, argv, signals);
      const exit = await runGpg(gpg, argv, { extraFds: c.extraFds, signals });
      log(c, { decision: 'passthrough', exit: exit.code, signal: exit.signal });
      return exitLike(exit);
    }
    const settings = readSettings(process.env);
    let exit: GpgExit;
    if (settings.socket === null) {
      if (settings.unsupervised !== 'passthrough') {
        throw new ShimError(
          'refused',
          'no supervisor: GPG_GATE_SOCKET is not set, and GPG_GATE_UNSUPERVISED=refuse (the default) forbids signing without one',
        );
      }
      exit = await runGpg(findRealGpg(process.env, { self }), argv, { extraFds: c.extraFds, signals });
      log(c, { decision: 'unsupervised-passthrough', exit: exit.code, signal: exit.signal });
      return exitLike(exit);
    }
    // Imported here, so that a read-only call never initialises the signing path (the socket client, the spool, the
    // backends and the node:net, node:crypto, node:stream/promises they load): about 10 M fewer instructions at start.
    const [{ signSupervised }, { gnupgBackend }, { loadOpenpgpBackend }, { supervisorBackend }] = await Promise.all([
      import('./sign-supervised.js'),
      import('./backends/gnupg.js'),
      import('./backends/load-openpgp.js'),
      import('./backends/supervisor.js'),
    ]);
    const backend = () => {
      if (settings.backend === 'gnupg') return gnupgBackend(findRealGpg(process.env, { self }), signals);
      if (settings.backend === 'openpgp') return loadOpenpgpBackend();
      return supervisorBackend;
    };
    const result = await signSupervised(argv, c, settings, backend);
    if (result.warning) process.stderr.write(`gpg: gpg-gate: ${result.warning}\n`);
    log(c, {
      decision: 'proceed',
      job: settings.job,
      sha256: result.sha256,
      exit: result.code,
      signal: result.signal,
      ...(result.warning ? { reason: result.warning } : {}),
    });
    return exitLike(result);
  } catch (err) {
    if (err instanceof ShimError) return fail(err, c);
    if (err instanceof GpgLookupError) return fail(new ShimError('setup', err.message), c);
    return fail(new ShimError('setup', `internal error: ${(err as Error).message}`, { cause: err }), c);
  }
}

void main();

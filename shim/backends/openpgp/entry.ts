// The openpgp backend of the shim: once the supervisor has said "proceed", sign the spooled bytes with openpgp.js and
// the key in GPG_GATE_KEY, behaving as gpg 2.2 would (output, status lines, messages, exit code). Built into its own
// bundle (dist/shim/gpg-gate-openpgp.cjs) that the shim loads only for such calls.
import { accessSync, constants, createReadStream, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SignClassification } from '../../argv/types.js';
import type { SignFunction, SignJob, SignOutcome } from '../backend.js';
import {
  isoTimeUtc,
  literalName,
  loadKeyRing,
  makeClock,
  parseFakedTime,
  provideOpenpgp,
  SigningError,
  signWithKeyRing,
  type KeyRing,
  type OpenpgpLib,
  type Reporter,
  type DataSignMode,
} from '../../../openpgp-core/index.js';
import { setupFailure, unsupported } from '../../../openpgp-core/signing-error.js';
import { lineWriter } from './fd-io.js';
import { openOutput, type Output } from './output-file.js';
import { readPassphrase } from './passphrase.js';
import { judgeOptions, type OptionVerdict } from './signature-options.js';
import { GPG_ERROR } from '../../../common/gpg-errors.js';

// The CommonJS build of openpgp.js, which is what a CommonJS bundle can load (see core/openpgp.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
provideOpenpgp(require('openpgp') as OpenpgpLib);

const READ_CHUNK = 1024 * 1024;

function failure(err: unknown): SigningError {
  if (err instanceof SigningError) return err;
  const message = `gpg-gate (openpgp backend): ${(err as Error).message}`;
  return new SigningError('io', message, {
    log: [message],
    failure: `sign ${GPG_ERROR.general}`,
    reason: 'General error',
  });
}

/** What this backend does not do: it says so instead of signing differently from gpg. */
function checkCall(c: SignClassification, options: OptionVerdict): DataSignMode {
  if (c.signs !== 'data') {
    throw unsupported(
      `${c.commands.join(', ') || 'this command'}: key signatures and key management are not supported`,
    );
  }
  if (c.encrypt || c.symmetric) throw unsupported('signing combined with encryption (-e, -c) is not supported');
  if (c.textmode && c.mode !== 'clearsign' && c.args.length > 1) {
    throw unsupported('--textmode over several files is not supported');
  }
  if (/^-&\d+$/.test(c.effectiveOutput))
    throw unsupported(`output to a descriptor (${c.effectiveOutput}) is not supported`);
  if (options.unsupported) throw unsupported(options.unsupported);
  return c.mode;
}

/**
 * Whether this backend would refuse the call, before anything is spooled or asked: the shim can call it ahead of
 * the gate so that a call this backend cannot make fails before the commitment point. Returns the message, or null.
 */
export function precheck(job: Omit<SignJob, 'spoolPath' | 'stdinLine'>): string | null {
  const c = job.classification;
  try {
    checkCall(c, judgeOptions(c, job.argv, job.env));
    const key = job.env.GPG_GATE_KEY;
    if (!key) throw setupFailure('GPG_GATE_KEY is not set (the armored secret key file to sign with)');
    try {
      accessSync(resolve(key), constants.R_OK);
    } catch (err) {
      throw setupFailure(`cannot read GPG_GATE_KEY '${key}': ${(err as Error).message}`);
    }
    return null;
  } catch (err) {
    const e = failure(err);
    reportFailure(e, lineWriter(c.fds.status, '[GNUPG:] '), lineWriter(c.fds.logger ?? 2, 'gpg: '));
    return e.message;
  }
}

/** gpg's way of ending a failed signing: its log lines, FAILURE on the status fd, then "signing failed: …". */
function reportFailure(e: SigningError, status: (text: string) => void, log: (text: string) => void): void {
  for (const line of e.gpg.log) log(line);
  if (e.gpg.failure !== null) status(`FAILURE ${e.gpg.failure}`);
  if (e.gpg.reason !== null) log(`signing failed: ${e.gpg.reason}`);
}

async function readKeyRing(env: NodeJS.ProcessEnv): Promise<KeyRing> {
  const path = env.GPG_GATE_KEY;
  if (!path) throw setupFailure('GPG_GATE_KEY is not set (the armored secret key file to sign with)');
  let text: Buffer;
  try {
    text = readFileSync(resolve(path));
  } catch (err) {
    throw setupFailure(`cannot read GPG_GATE_KEY '${path}': ${(err as Error).message}`);
  }
  try {
    return await loadKeyRing(text);
  } catch (err) {
    if (err instanceof SigningError) throw setupFailure(`GPG_GATE_KEY '${path}': ${err.message}`);
    throw err;
  }
}

// gpg records a definite length only for binary data from a regular file (not stdin, not text mode).
function literalSizeOf(c: SignClassification, spoolPath: string): number | null {
  const input = c.args[0];
  if (c.mode !== 'inline' || c.textmode || c.args.length !== 1 || input === undefined || input === '-') return null;
  try {
    if (!statSync(input).isFile()) return null;
  } catch {
    return null;
  }
  const size = statSync(spoolPath).size;
  return size > 0 && size < 0xffffffff - 65536 ? size : null;
}

export const sign: SignFunction = async (job: SignJob): Promise<SignOutcome> => {
  const c = job.classification;
  const status = lineWriter(c.fds.status, '[GNUPG:] ');
  const log = lineWriter(c.fds.logger ?? 2, 'gpg: ');
  let errorLogged = false;
  const reporter: Reporter = {
    status,
    info: log,
    error(message) {
      errorLogged = true;
      log(message);
    },
  };
  let output: Output | null = null;
  try {
    const options = judgeOptions(c, job.argv, job.env);
    const faked = options.fakedSystemTime;
    const clock = makeClock(faked === null ? null : parseFakedTime(faked));
    if (faked !== null) log(`WARNING: running with faked system time: ${isoTimeUtc(clock())}`);
    const mode = checkCall(c, options);
    const spoolPath = job.spoolPath;
    if (spoolPath === null) throw unsupported('signing without the data spooled is not supported');
    const dataOnStdin = c.args.length === 0 || c.args.includes('-');
    const pass = readPassphrase(c, dataOnStdin, job.stdinLine);
    for (const e of pass.errors) reporter.error(e);
    const ring = await readKeyRing(job.env);
    await signWithKeyRing(
      ring,
      {
        mode,
        armor: c.armor,
        textmode: c.textmode,
        digestAlgo: c.digestAlgo,
        personalDigest: options.personalDigest,
        localUsers: c.localUsers,
        clock,
        literalName: literalName(c.setFilename, c.args),
        literalSize: literalSizeOf(c, spoolPath),
      },
      { pinentryMode: c.pinentryMode, batch: c.batch, passphrase: pass.passphrase },
      {
        source: { open: () => createReadStream(spoolPath, { highWaterMark: READ_CHUNK }) },
        openOutput: () => {
          output = openOutput(c.effectiveOutput, { yes: c.yes, batch: c.batch });
          const out = output;
          return (chunk) => {
            out.write(chunk);
            return Promise.resolve();
          };
        },
        reporter,
      },
    );
    const written = (output as Output | null)?.finish() ?? null;
    return { code: errorLogged ? 2 : 0, signal: null, output: written };
  } catch (err) {
    (output as Output | null)?.discard();
    reportFailure(failure(err), status, log);
    return { code: 2, signal: null, output: null };
  }
};

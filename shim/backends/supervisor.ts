// The supervisor backend (GPG_GATE_BACKEND=supervisor, set by `gpg-gate run --sign-in-supervisor`): the build
// environment holds no key. After `proceed` the shim streams the spooled data to the supervisor, which signs it, and
// writes the signature it gets back exactly where gpg would, with gpg's status lines, messages and exit status.
import type { SignClassification } from '../argv/types.js';
import { RESULT_TIMEOUT_MS } from '../../protocol/limits.js';
import { ShimError } from '../shim-error.js';
import { onSignal } from '../signals.js';
import type { SigningBackend, SignJob, SignOutcome } from './backend.js';
import { lineWriter, writeAll } from './openpgp/fd-io.js';
import { judgeOptions } from './openpgp/signature-options.js';
import { existingOutput, SignatureOutput } from './supervisor-output.js';
import { GPG_ERROR } from '../../common/gpg-errors.js';

/** gpg's FAILURE codes (source gpg << 24 | code) as gpg 2.2.40 prints them. */

const PREFIX = 'gpg-gate (supervisor backend)';

interface Refusal {
  log: string[];
  failure: number;
  reason: string;
}

function notImplemented(what: string): Refusal {
  return { log: [`${PREFIX}: ${what}`], failure: GPG_ERROR.notImplemented, reason: 'Not implemented' };
}

/** What the supervisor cannot sign as gpg would for this call; checked before the gate, so no commit step runs. */
function refusalFor(job: Omit<SignJob, 'spoolPath' | 'stdinLine'>): Refusal | null {
  const c: SignClassification = job.classification;
  if (c.signs !== 'data') {
    return notImplemented(
      `${c.commands.join(', ') || 'this command'}: key signatures and key management are not possible here: the key is held by the supervisor, which makes data signatures only`,
    );
  }
  if (c.encrypt || c.symmetric) return notImplemented('signing combined with encryption (-e, -c) is not supported');
  if (/^-&\d+$/.test(c.effectiveOutput))
    return notImplemented(`output to a descriptor (${c.effectiveOutput}) is not supported`);
  const inputs = c.args.length === 0 ? ['-'] : c.args;
  if (inputs.length > 1 && c.mode !== 'detach') return notImplemented(`${c.mode} over several inputs is not supported`);
  if (inputs.length > 1 && c.textmode) return notImplemented('--textmode over several files is not supported');
  if (inputs.length > 1 && inputs.includes('-'))
    return notImplemented('standard input together with files is not supported');
  if (c.mode === 'inline' && c.setFilename !== null) return notImplemented('--set-filename is not supported');
  const options = judgeOptions(c, job.argv, job.env);
  if (options.unsupported) return notImplemented(options.unsupported);
  if (options.fakedSystemTime !== null) {
    return notImplemented('--faked-system-time is not supported (the supervisor signs at its own time)');
  }
  if (options.personalDigest !== null && c.digestAlgo === null) {
    return notImplemented('--personal-digest-preferences is not supported (use --digest-algo)');
  }
  const exists = existingOutput(c.effectiveOutput, { yes: c.yes, batch: c.batch });
  if (exists) return { ...exists, failure: GPG_ERROR.fileExists };
  return null;
}

function report(c: SignClassification, r: Refusal): void {
  const log = lineWriter(c.fds.logger ?? 2, 'gpg: ');
  for (const line of r.log) log(line);
  lineWriter(c.fds.status, '[GNUPG:] ')(`FAILURE sign ${r.failure}`);
  log(`signing failed: ${r.reason}`);
}

export function precheck(job: Omit<SignJob, 'spoolPath' | 'stdinLine'>): string | null {
  const refusal = refusalFor(job);
  if (refusal === null) return null;
  report(job.classification, refusal);
  return refusal.log[0] ?? refusal.reason;
}

export async function sign(job: SignJob): Promise<SignOutcome> {
  const c = job.classification;
  const gate = job.gate;
  if (!gate || job.spoolPath === null || gate.requestId === null) {
    throw new ShimError('setup', 'the supervisor backend signs data only, over a connection to the supervisor');
  }
  const output = new SignatureOutput(c.effectiveOutput, { yes: c.yes, batch: c.batch });
  // A signal while the signature arrives: no half-written output is left behind; then the shim's own cleanup.
  const stopSignals = onSignal((signal) => {
    output.discard();
    stopSignals();
    process.kill(process.pid, signal);
  });
  let done;
  try {
    done = await gate.exchange(gate.requestId, job.spoolPath, (data) => output.write(data), RESULT_TIMEOUT_MS);
  } catch (err) {
    output.discard();
    throw err;
  } finally {
    stopSignals();
  }
  // gpg's messages (its log goes to --logger-fd if given), then its status lines.
  if (done.stderr !== '') {
    try {
      writeAll(c.fds.logger ?? 2, Buffer.from(done.stderr));
    } catch {
      // The caller closed its descriptor.
    }
  }
  const status = lineWriter(c.fds.status, '');
  for (const line of done.status) status(line);
  if (output.error !== null) {
    output.discard();
    const exists = output.error.endsWith(': File exists');
    report(c, {
      log: exists ? [] : [output.error],
      failure: exists ? GPG_ERROR.fileExists : GPG_ERROR.general,
      reason: exists ? 'File exists' : 'General error',
    });
    return { code: 2, signal: null, output: null };
  }
  return { code: done.exit, signal: null, output: output.finish() };
}

export const supervisorBackend: SigningBackend = { sign, precheck };

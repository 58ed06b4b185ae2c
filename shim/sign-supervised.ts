// A signing call under a supervisor: spool and hash the data, ask, and only on "proceed" let the backend sign exactly
// the spooled bytes. Then report what happened.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { faultPoint } from '../common/fault-point.js';
import { PROTOCOL_VERSION, type SignRequest } from '../protocol/messages.js';
import type { SignClassification } from './argv/types.js';
import type { SigningBackend, SignOutcome } from './backends/backend.js';
import { GateClient } from './gate.js';
import { redactArgv } from './log.js';
import type { Settings } from './settings.js';
import { ShimError } from './shim-error.js';
import { onSignal } from './signals.js';
import { spoolInputs, type Spool } from './spool.js';
import { exitStatusForSignal } from '../common/exit-status.js';
import { GPG_EXIT_ERROR } from '../common/gpg-errors.js';

export interface SupervisedResult extends SignOutcome {
  sha256: string | null;
  /** A problem after the signature was made (e.g. the result could not be reported); the exit code stands. */
  warning: string | null;
}

export function buildRequest(
  argv: readonly string[],
  c: SignClassification,
  settings: Settings,
  spool: Spool | null,
): SignRequest {
  return {
    v: PROTOCOL_VERSION,
    type: 'sign-request',
    token: settings.token ?? '',
    id: randomBytes(8).toString('hex'),
    pid: process.pid,
    cwd: process.cwd(),
    argv: redactArgv(argv, c.secretArgIndexes),
    commands: c.commands,
    kind: c.signs,
    mode: c.mode,
    localUsers: c.localUsers,
    armor: c.armor,
    textmode: c.textmode,
    digestAlgo: c.digestAlgo,
    inputs: spool?.inputs ?? [],
    sha256: spool?.sha256 ?? null,
    size: spool?.size ?? 0,
    output: c.effectiveOutput,
    backend: settings.backend,
    // The supervisor backend streams the data after proceed; the others sign it here.
    payload: settings.backend === 'supervisor',
  };
}

/** Gates one signing call: nothing is signed unless the supervisor answers `proceed`. */
export async function signSupervised(
  argv: readonly string[],
  c: SignClassification,
  settings: Settings,
  backend: () => SigningBackend,
): Promise<SupervisedResult> {
  const socketPath = settings.socket;
  if (!socketPath) throw new ShimError('refused', 'no supervisor (GPG_GATE_SOCKET is not set)');
  if (!settings.token)
    throw new ShimError('refused', 'GPG_GATE_TOKEN is not set; the supervisor would refuse the request');
  let spool: Spool | null = null;
  let client: GateClient | null = null;
  // Until the backend runs, a signal means: clean up, then die of it (nothing has been signed).
  const stopCleanup = onSignal((signal) => {
    spool?.remove();
    client?.close();
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
  try {
    // Load the backend first: a broken installation must fail before the commitment point, not after it.
    const { sign, precheck } = backend();
    const problem = precheck?.({ argv, classification: c, env: process.env });
    if (problem) throw new ShimError('reported', problem);
    // gpg reads a --passphrase-fd 0 line at start-up, before any data on standard input.
    const takeStdinLine = c.fds.passphrase === 0 && (c.args.length === 0 || c.args.includes('-'));
    if (c.signs === 'data') spool = await spoolInputs(c.args, { takeStdinLine });
    const request = buildRequest(argv, c, settings, spool);
    faultPoint('shim.before-connect');
    client = await GateClient.connect(socketPath, settings.timeoutMs);
    await client.decide(request, settings.timeoutMs);
    faultPoint('shim.after-proceed');
    const outcome = await sign({
      argv,
      classification: c,
      spoolPath: spool?.path ?? null,
      env: process.env,
      stdinLine: spool?.stdinLine ?? null,
      gate: client,
    });
    faultPoint('shim.after-gpg');
    const warning = await client.report({
      v: PROTOCOL_VERSION,
      type: 'sign-result',
      id: request.id,
      exit: outcome.signal
        ? exitStatusForSignal(constants.signals[outcome.signal] ?? 0)
        : (outcome.code ?? GPG_EXIT_ERROR),
      signal: outcome.signal,
      outputSha256: outcome.output?.sha256 ?? null,
      outputSize: outcome.output?.size ?? null,
    });
    return {
      ...outcome,
      sha256: spool?.sha256 ?? null,
      warning: warning && `signature made, but its result was not recorded: ${warning}`,
    };
  } finally {
    stopCleanup();
    spool?.remove();
    client?.close();
  }
}

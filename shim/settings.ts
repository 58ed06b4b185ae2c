// The shim's view of the GPG_GATE_* environment (README "Environment contract"). Invalid values fail closed.
import { ShimError } from './shim-error.js';

export type BackendName = 'gnupg' | 'openpgp' | 'supervisor';

export interface Settings {
  socket: string | null;
  token: string | null;
  job: string | null;
  backend: BackendName;
  key: string | null;
  unsupervised: 'refuse' | 'passthrough';
  /** Milliseconds to wait for the supervisor's decision. */
  timeoutMs: number;
  log: string | null;
}

/** Default wait for a decision: longer than the supervisor's own commit timeout, so the supervisor answers first. */
export const DEFAULT_TIMEOUT_SECONDS = 900;

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const unsupervised = env.GPG_GATE_UNSUPERVISED || 'refuse';
  if (unsupervised !== 'refuse' && unsupervised !== 'passthrough') {
    throw new ShimError('setup', `GPG_GATE_UNSUPERVISED must be 'refuse' or 'passthrough', not '${unsupervised}'`);
  }
  const backend = env.GPG_GATE_BACKEND || 'gnupg';
  if (backend !== 'gnupg' && backend !== 'openpgp' && backend !== 'supervisor') {
    throw new ShimError('setup', `GPG_GATE_BACKEND must be 'gnupg', 'openpgp' or 'supervisor', not '${backend}'`);
  }
  let timeoutMs = DEFAULT_TIMEOUT_SECONDS * 1000;
  if (env.GPG_GATE_TIMEOUT) {
    const seconds = Number(env.GPG_GATE_TIMEOUT);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new ShimError(
        'setup',
        `GPG_GATE_TIMEOUT must be a positive number of seconds, not '${env.GPG_GATE_TIMEOUT}'`,
      );
    }
    timeoutMs = Math.round(seconds * 1000);
  }
  return {
    socket: env.GPG_GATE_SOCKET || null,
    token: env.GPG_GATE_TOKEN || null,
    job: env.GPG_GATE_JOB || null,
    backend,
    key: env.GPG_GATE_KEY || null,
    unsupervised,
    timeoutMs,
    log: env.GPG_GATE_LOG || null,
  };
}

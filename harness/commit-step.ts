// The commit step: performed once per job, at its first signing request, before any signature exists. Three ways:
// the operator's hook (--on-commit), no step at all (--auto-commit), or the embedding program (--decisions-fd).
import { performance } from 'node:perf_hooks';
import { childEnvironment } from '../common/signal-state.js';
import type { DecisionChannel } from './decision-channel.js';
import { describeError } from './harness-error.js';
import type { CommitMethod, RecordedRequest } from './records.js';
import { EXIT_NOTHING_COMMITTED } from '../common/exit-status.js';

/** EX_TEMPFAIL: the hook says nothing was committed and the attempt may be retried. */
export const EXIT_TRANSIENT = EXIT_NOTHING_COMMITTED;
/** EX_NOPERM: the hook says no, and committed nothing. Any other exit status is no clear answer (a crash, say). */
export const EXIT_REFUSED = 77;

export interface CommitInput {
  job: string;
  attempt: number;
  /** The request that reached the commitment point. */
  id: string;
  request: RecordedRequest;
}

/**
 * committed: proceed · transient: nothing committed, abort the attempt (retriable) · refused: the step said no and
 * committed nothing · timeout / error: the step gave no clear answer and may have committed (commit-state.ts: unknown).
 */
export interface CommitVerdict {
  kind: 'committed' | 'transient' | 'refused' | 'timeout' | 'error';
  exitCode: number | null;
  signal: string | null;
  message: string;
  durationMs: number;
}

export interface CommitStep {
  readonly method: CommitMethod;
  run(input: CommitInput, timeoutMs: number): Promise<CommitVerdict>;
}

/** Grace between SIGTERM and SIGKILL for a hook that overran its time. */
const HOOK_KILL_GRACE_MS = 2000;

const elapsed = (since: number) => Math.round(performance.now() - since);

/**
 * The supervisor's environment plus GPG_GATE_JOB and GPG_GATE_ATTEMPT, without any GPG_GATE_TOKEN (one inherited
 * from an enclosing gate's job): the hook needs no token, and must not be able to sign through such a gate either.
 */
function hookEnvironment(input: CommitInput): NodeJS.ProcessEnv {
  const { GPG_GATE_TOKEN: _token, ...env } = process.env;
  return childEnvironment(env, { GPG_GATE_JOB: input.job, GPG_GATE_ATTEMPT: String(input.attempt) });
}

/**
 * Runs the operator's command with /bin/sh -c. The command string is the operator's own; request data reaches the hook
 * only as JSON on its stdin and GPG_GATE_JOB / GPG_GATE_ATTEMPT in its environment, never in the command line.
 */
export class HookCommitStep implements CommitStep {
  readonly method = 'hook';
  constructor(private readonly command: string) {}

  async run(input: CommitInput, timeoutMs: number): Promise<CommitVerdict> {
    // Loaded here, not at start-up: only --on-commit needs execa (~60 ms of CPU to load).
    const { execa } = await import('execa');
    const started = performance.now();
    // Its own process group, so that a timeout kills whatever the hook started too.
    const hook = execa('/bin/sh', ['-c', this.command], {
      input: JSON.stringify(input.request) + '\n',
      stdout: 2, // our stdout belongs to the command being supervised
      stderr: 'inherit',
      env: hookEnvironment(input),
      extendEnv: false,
      detached: true,
      reject: false,
    });
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (hook.pid !== undefined) process.kill(-hook.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    let forceKill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      forceKill = setTimeout(() => killGroup('SIGKILL'), HOOK_KILL_GRACE_MS);
    }, timeoutMs);
    const result = await hook;
    clearTimeout(timer);
    if (forceKill) {
      clearTimeout(forceKill);
      killGroup('SIGKILL');
    }
    const exitCode = result.exitCode ?? null;
    const signal = result.signal ?? null;
    const base = { exitCode, signal, durationMs: elapsed(started) };
    if (timedOut)
      return { kind: 'timeout', message: `the commit hook did not finish within ${timeoutMs / 1000} s`, ...base };
    if (exitCode === 0) return { kind: 'committed', message: 'the commit hook succeeded', ...base };
    if (exitCode === EXIT_TRANSIENT) {
      return { kind: 'transient', message: 'the commit hook reported a transient failure (exit 75)', ...base };
    }
    if (exitCode === EXIT_REFUSED) return { kind: 'refused', message: 'the commit hook refused (exit 77)', ...base };
    if (exitCode !== null) {
      const message = `the commit hook exited ${exitCode}, which is neither committed (0), transient (75) nor refused (77)`;
      return { kind: 'error', message, ...base };
    }
    // Never started: nothing can have been committed.
    if (signal === null && hook.pid === undefined) {
      const message = `the commit hook could not run: ${result.code ?? describeError(result.cause)}`;
      return { kind: 'refused', message, ...base };
    }
    return { kind: 'error', message: `the commit hook was killed by ${signal ?? 'an unknown cause'}`, ...base };
  }
}

export class AutoCommitStep implements CommitStep {
  readonly method = 'auto';
  run(): Promise<CommitVerdict> {
    return Promise.resolve({ kind: 'committed', exitCode: null, signal: null, message: 'auto-commit', durationMs: 0 });
  }
}

/** Asks the embedding program: emits commit-wanted (through `want`), then reads its answer from --decisions-fd. */
export class EmbedderCommitStep implements CommitStep {
  readonly method = 'decisions-fd';
  constructor(
    private readonly channel: DecisionChannel,
    private readonly want: (input: CommitInput) => void,
  ) {}

  async run(input: CommitInput, timeoutMs: number): Promise<CommitVerdict> {
    const started = performance.now();
    this.want(input);
    const next = await this.channel.next(timeoutMs);
    const base = { exitCode: null, signal: null, durationMs: elapsed(started) };
    if ('timeout' in next) return { kind: 'timeout', message: `no decision within ${timeoutMs / 1000} s`, ...base };
    if ('eof' in next) return { kind: 'error', message: 'the decisions descriptor was closed', ...base };
    if ('error' in next) return { kind: 'error', message: `bad decision line: ${next.error}`, ...base };
    const { decision, reason, attempt } = next.line;
    if (attempt !== null && attempt !== input.attempt) {
      return { kind: 'error', message: `decision for attempt ${attempt}, not ${input.attempt}`, ...base };
    }
    const said = reason ? `: ${reason}` : '';
    if (decision === 'commit') return { kind: 'committed', message: `committed${said}`, ...base };
    if (decision === 'transient') return { kind: 'transient', message: `transient failure${said}`, ...base };
    return { kind: 'refused', message: `refused${said}`, ...base };
  }
}

// The signals a caller may send to "gpg" that the shim must not simply die of: it forwards them to the real gpg, or
// cleans up (spool files) before dying of them itself.
import { exitStatusForSignal } from '../common/exit-status.js';
import { GPG_EXIT_ERROR } from '../common/gpg-errors.js';

export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

type Handler = (signal: NodeJS.Signals) => void;
const handlers: Handler[] = [];
/** Signals our caller blocked or ignored: the shim neither dies of them nor forwards them (gpg has them too). */
const heldBack = new Set<NodeJS.Signals>();
const ignore = () => undefined;

function dispatch(signal: NodeJS.Signals): void {
  if (heldBack.has(signal)) return;
  // The newest handler wins: forwarding to a running gpg takes precedence over the shim's own cleanup.
  handlers[handlers.length - 1]?.(signal);
}

/** The name Node uses for signal number `n` (SIGIOT and SIGPOLL are aliases, never the first name). */
export function signalName(n: number): NodeJS.Signals {
  const { signals } = process.getBuiltinModule('node:os').constants;
  for (const [name, value] of Object.entries(signals)) if (value === n) return name as NodeJS.Signals;
  return `SIG${n}` as NodeJS.Signals;
}

/** Keeps the caller's blocked and ignored signals from reaching the shim's own handling for the shim's lifetime. */
export function holdBack(signals: readonly NodeJS.Signals[]): void {
  for (const s of signals) {
    if (!FORWARDED_SIGNALS.includes(s) || heldBack.has(s)) continue;
    heldBack.add(s);
    process.on(s, ignore);
  }
}

/** Installs `handler` for the forwarded signals until the returned function is called. */
export function onSignal(handler: Handler): () => void {
  if (handlers.length === 0) for (const s of FORWARDED_SIGNALS) process.on(s, dispatch);
  handlers.push(handler);
  return () => {
    const i = handlers.lastIndexOf(handler);
    if (i >= 0) handlers.splice(i, 1);
    if (handlers.length === 0) for (const s of FORWARDED_SIGNALS) process.off(s, dispatch);
  };
}

/**
 * Ends the shim the way gpg ended: its exit code, or death by the same signal (so the caller's wait status matches).
 * If that signal cannot kill us (ignored by the caller, say), exits 128+n like a shell would report it.
 */
export function exitLike(result: { code: number | null; signal: NodeJS.Signals | null }): never {
  if (result.signal) {
    for (const s of FORWARDED_SIGNALS) process.removeAllListeners(s);
    process.kill(process.pid, result.signal);
    // Delivery is asynchronous with respect to JavaScript; if we are still alive shortly after, the signal was
    // ignored.
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    process.exit(exitStatusForSignal(process.getBuiltinModule('node:os').constants.signals[result.signal] ?? 0));
  }
  process.exit(result.code ?? GPG_EXIT_ERROR);
}

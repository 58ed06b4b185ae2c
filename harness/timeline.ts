// What `run` tells a person on stderr: a short timeline of the job, one line per step that matters.
import type { EventLine, RecordedRequest } from './records.js';

/**
 * Text safe to print on the operator's terminal: control characters (newlines included) and bidirectional overrides
 * become visible escapes, so that names chosen by the build can neither forge a line nor send escape sequences.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** argv as a shell would show it, shortened: enough to recognise the call, not a faithful quoting. */
export function showArgv(argv: readonly string[], max = 120): string {
  const text = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export class Timeline {
  private readonly requests = new Map<string, RecordedRequest>();
  private readonly signed = new Map<number, number>();
  /** gpg asks for some refused commands on every call (SCD SERIALNO): the timeline names each once. */
  private readonly refusedCommands = new Set<string>();
  /** Under the agent gate a signature is a PKSIGN: the shim's report of the same one is not counted again. */
  private agentGate = false;

  constructor(private readonly print: (line: string) => void) {}

  private say(text: string): void {
    this.print(`gpg-gate: ${printable(text)}`);
  }

  /** A diagnostic that is not an event (a client that spoke out of turn, a warning). */
  note(text: string): void {
    this.say(text);
  }

  event(e: EventLine): void {
    switch (e.event) {
      case 'job-started':
        this.agentGate = e.options.agentGate !== undefined;
        this.say(`job ${e.job}, journal ${e.options.journal}`);
        break;
      case 'job-resumed':
        this.agentGate = e.options.agentGate !== undefined;
        this.say(`job ${e.job} continued (it had ended ${e.previousOutcome}), journal ${e.options.journal}`);
        break;
      case 'attempt-started':
        this.say(`attempt ${e.attempt} started`);
        break;
      case 'sign-requested':
        this.requests.set(e.id, e.request);
        break;
      case 'commit-requested': {
        const request = this.requests.get(e.id);
        if (request?.type === 'agent-pksign') {
          this.say(`commitment point reached by PKSIGN (keygrip ${request.keygrip ?? 'unknown'}) at the agent gate`);
        } else this.say(`commitment point reached by \`${showArgv(['gpg', ...(request?.argv ?? [])])}\``);
        break;
      }
      case 'commit-wanted':
        this.say('waiting for the commit decision on the decisions descriptor');
        break;
      case 'committed':
        this.say(e.method === 'auto' ? 'committed (auto-commit)' : `commit step ok in ${seconds(e.durationMs)}`);
        break;
      case 'commit-refused':
        this.say(`commit step refused after ${seconds(e.durationMs)}: ${e.message}`);
        break;
      case 'commit-failed':
        this.say(`commit step failed (${e.reason}) after ${seconds(e.durationMs)}: ${e.message}`);
        break;
      case 'sign-refused':
        this.say(`signing refused: ${e.reason}`);
        break;
      case 'signed': {
        const agent = this.requests.get(e.id)?.type === 'agent-pksign';
        if (this.agentGate && !agent && e.exit === 0) break;
        if (e.exit === 0) this.signed.set(e.attempt, (this.signed.get(e.attempt) ?? 0) + 1);
        else if (agent) this.say(`the key holder's agent refused a signature: ${e.agentError ?? 'no answer'}`);
        else this.say(`a signing call failed after approval (gpg exit ${e.exit})`);
        break;
      }
      case 'agent-refused':
        if (!this.refusedCommands.has(e.command)) this.say(`agent gate refused ${e.command}: ${e.why}`);
        this.refusedCommands.add(e.command);
        break;
      case 'sign-unreported':
        this.say(`warning: a signing call was approved but never reported back (${e.reason})`);
        break;
      case 'signal-forwarded':
        this.say(
          e.pid === null ? `${e.signal}: no more attempts` : `forwarded ${e.signal} to the command (pid ${e.pid})`,
        );
        break;
      case 'child-exited': {
        const how = e.signal ? `was killed by ${e.signal}` : `exited with ${e.exitCode}`;
        const n = this.signed.get(e.attempt) ?? 0;
        this.say(`attempt ${e.attempt}: the command ${how}; ${n} signature${n === 1 ? '' : 's'}`);
        break;
      }
      case 'attempt-ended':
        if (e.retry)
          this.say(`attempt ${e.attempt} failed before the commitment point; retrying in ${e.retryDelaySeconds} s`);
        break;
      case 'job-ended':
        this.say(`outcome ${e.outcome} (exit ${e.exitCode})`);
        break;
      case 'journal-failed':
        this.say(`JOURNAL FAILED, approving nothing more: ${e.message}`);
        break;
      default:
        break;
    }
  }
}

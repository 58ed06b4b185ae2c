// Observing signatures where they are made. Every signature gpg 2.2 creates (data signatures, certifications,
// self-signatures, revocations) is made by gpg-agent's PKSIGN command, because the secret keys live only in the
// agent. A GnuPG home whose gpg-agent.conf says `log-file` + `debug ipc` logs each command the agent receives, so
// "a signature was made" is "a `<- PKSIGN` line appeared in the agent's log". Nothing in gpg's argv, environment or
// config changes, so the observed call is exactly the call under test.
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export class AgentSignLog {
  readonly path: string;

  /** Turns the log on for `homeDir`; call before the home's agent starts (a fresh home from makeGnupgHome). */
  constructor(homeDir: string) {
    this.path = join(homeDir, 'agent.log');
    appendFileSync(join(homeDir, 'gpg-agent.conf'), `log-file ${this.path}\ndebug ipc\n`);
  }

  /** The log's current length: pass it to `signaturesSince` to count what happens after this point. */
  mark(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  /** PKSIGN commands the agent received since `mark` (no log yet: the agent never started, so it signed nothing). */
  signaturesSince(mark: number): number {
    if (!existsSync(this.path)) return 0;
    const text = readFileSync(this.path).subarray(mark).toString('utf8');
    return (text.match(/<- PKSIGN/g) ?? []).length;
  }
}

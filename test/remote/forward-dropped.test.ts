// The ssh link drops while the remote shim waits for its decision: the shim fails closed (exit 2, "signing refused by
// gpg-gate", no signature) and the supervisor's journal tells what the commit step really did. The commit hook is held
// open until the test has killed the sshd session (as a lost network would), then it commits — outcome
// `failed-after-commit`: the commitment exists though nothing was signed, so the job must not simply be retried — or
// answers 75 — outcome `failed-before-commit`, `run` exits 75: safe to retry.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobStatus } from '../e2e/support/gate-job.js';
import { signingModes, type SigningSetup } from '../e2e/support/signing-modes.js';
import { events, readRecords, startGate, tempDir, waitFor, type TempDir } from '../helpers/gate-run.js';
import { makeEmptyGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { startRemoteHost, type RemoteHost } from '../helpers/remote-host.js';
import { requireTool } from '../helpers/require-tool.js';
import { SSHD } from '../helpers/sshd.js';
import { testKeys } from '../helpers/test-keys.js';

// The operator's commit step, held until the test writes its answer (0 committed, 75 transient).
const HOOK = `#!/bin/sh
cat > "$1/request.json"
: > "$1/hook-started"
while [ ! -s "$1/answer" ]; do sleep 0.05; done
exit "$(cat "$1/answer")"
`;

const key = testKeys().ed25519;

describe('the ssh link drops while the remote shim waits for the decision', () => {
  let t: TempDir;
  let host: RemoteHost | undefined;
  let setup: SigningSetup;
  let remoteHome: GnupgHome;

  beforeAll(() => {
    t = tempDir('gpg-gate-remote-drop-');
    // The strongest mode this build offers; the remote side holds no key when the supervisor signs.
    setup = signingModes().at(-1)!.setup();
    remoteHome = setup.runArgs.includes('--sign-in-supervisor') ? makeEmptyGnupgHome() : setup.signingHome;
  });
  afterAll(async () => {
    await host?.stop();
    if (remoteHome !== setup.signingHome) remoteHome.cleanup();
    setup.cleanup();
    t.cleanup();
  });

  it.for([
    // Committed: the supervisor then finds the requester gone and refuses (no signature, none can follow).
    { answer: 0, outcome: 'failed-after-commit', exit: 255, refusal: /^the client left before the decision$/ },
    // Transient: the request is refused for that reason first; the job knows nothing was committed.
    { answer: 75, outcome: 'failed-before-commit', exit: 75, refusal: /^commit step: .*transient.*\(exit 75\)$/ },
  ])('the shim fails closed; the commit step answers $answer → $outcome, run exits $exit', async (c, ctx) => {
    requireTool(ctx, SSHD, 'the remote host');
    requireTool(ctx, 'ssh', 'reaches the remote host');
    requireTool(ctx, 'ssh-keygen', 'makes throwaway host and user keys');
    host ??= await startRemoteHost(t.dir);
    const h = host;
    const name = `drop-${c.answer}`;
    const state = t.path(name);
    mkdirSync(state, { mode: 0o700 });
    const hook = join(state, 'hook.sh');
    writeFileSync(hook, HOOK, { mode: 0o755 });
    writeFileSync(join(h.dir, `${name}.txt`), 'never signed\n');
    const journal = join(state, 'journal.jsonl');
    const rc = join(h.dir, `${name}.rc`);
    const command = h.command(join(state, 'S.gpg-gate'), {
      // The remote shell outlives its sshd session (no tty, no SIGHUP) and leaves the shim's status and stderr.
      script: `gpg --detach-sign --armor -u ${key.fingerprint} ${name}.txt 2>${name}.err; echo $? >${name}.rc.tmp && mv ${name}.rc.tmp ${name}.rc`,
      gnupghome: remoteHome.dir,
      token: 'send-env',
    });
    const gate = startGate(
      [
        'run',
        ...setup.runArgs,
        '--socket',
        join(state, 'S.gpg-gate'),
        '--journal',
        journal,
        '--job',
        name,
        '--on-commit',
        `${hook} ${state}`,
        '--',
        ...command,
      ],
      { cwd: t.dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: t.dir } },
    );
    try {
      // The remote shim has asked and waits: the commit step is running.
      await waitFor(() => existsSync(join(state, 'hook-started')), 30_000, 'the commit step to start');
      expect(events(readRecords(journal))).toContain('commit-requested');

      const dropped = Date.now();
      expect(h.sshd.dropSessions()).toBeGreaterThan(0);
      await waitFor(() => existsSync(rc), 10_000, 'the remote shim to exit');
      const shimMs = Date.now() - dropped;
      expect(readFileSync(rc, 'utf8').trim()).toBe('2');
      expect(readFileSync(join(h.dir, `${name}.err`), 'utf8')).toMatch(/^gpg: signing refused by gpg-gate: /m);
      expect(existsSync(join(h.dir, `${name}.txt.asc`))).toBe(false);

      // Only now does the commit step answer.
      writeFileSync(join(state, 'answer.tmp'), `${c.answer}\n`);
      renameSync(join(state, 'answer.tmp'), join(state, 'answer'));
      const r = await gate.done;
      expect(r.code, r.stderr).toBe(c.exit);

      const status = jobStatus(journal);
      expect(status).toMatchObject({ outcome: c.outcome, committed: c.answer === 0 ? 'yes' : 'no', exitCode: c.exit });
      expect(status.signatures.map((s) => s.state)).toEqual(['refused']);
      expect(status.signatures[0]?.reason).toMatch(c.refusal);
      const names = events(readRecords(journal));
      expect(names).not.toContain('signed');
      expect(names).not.toContain('sign-approved');
      expect(names).toContain(c.answer === 0 ? 'committed' : 'commit-failed');
      console.info(
        `[remote drop, ${setup.mode}] hook ${c.answer}: shim exited 2 ${shimMs} ms after the drop; run exit ${r.code}, ` +
          `outcome ${status.outcome}; journal: ${names.join(' ')}`,
      );
    } finally {
      // Only if an assertion failed half-way: let the hook go, and stop the supervisor.
      if (!existsSync(join(state, 'answer'))) writeFileSync(join(state, 'answer'), '75\n');
      gate.child.kill('SIGKILL');
    }
  });
});

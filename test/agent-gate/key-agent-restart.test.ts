// The key holder's gpg-agent stopped during a job (an operator's `gpgconf --kill`, a restart): the next connection
// finds its socket gone, the proxy starts the agent again and retries once, and the job's later signatures are made.
// Without that, every signature after the restart would fail, after the commit: a job lost for a routine restart.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, readRecords, tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv, makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';

describe("the key holder's agent restarted during a job", () => {
  let t: TempDir;
  let keyHome: GnupgHome;

  beforeAll(() => {
    t = tempDir('gpg-gate-agent-restart-');
    keyHome = makeGnupgHome(['ed25519']);
    writeFileSync(t.path('data'), 'signed before and after a restart\n');
  });
  afterAll(() => {
    keyHome.cleanup();
    t.cleanup();
  });

  it('is started again on demand: both signatures are made, one commit step', () => {
    const fpr = keyHome.keys.ed25519.fingerprint;
    const sign = (n: number) =>
      `/usr/bin/gpg --batch -u ${fpr} -o ${t.path(`${n}.sig`)} --detach-sign ${t.path('data')}`;
    // Stands for the operator's restart: the test's command can reach the key home, a real build could not.
    const kill = `gpgconf --homedir ${keyHome.dir} --kill gpg-agent`;
    const pidOf = `gpg-connect-agent --homedir ${keyHome.dir} --no-autostart 'GETINFO pid' /bye | sed -n 's/^D //p'`;
    const script = [sign(1), `${pidOf} > ${t.path('pid1')}`, kill, sign(2), `${pidOf} > ${t.path('pid2')}`].join(
      ' && ',
    );
    const r = spawnSync(
      process.execPath,
      [CLI, 'run', '--quiet', '--agent-gate', '--no-shim', '--gnupghome', keyHome.dir, '--auto-commit'].concat([
        '--journal',
        t.path('j.jsonl'),
        '--',
        'sh',
        '-c',
        script,
      ]),
      { env: cleanEnv(), encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    for (const n of [1, 2]) {
      execFileSync('gpg', ['--batch', '--verify', t.path(`${n}.sig`), t.path('data')], {
        env: keyHome.env,
        stdio: 'ignore',
      });
    }
    // A new agent made the second signature.
    const pid1 = execFileSync('cat', [t.path('pid1')], { encoding: 'utf8' }).trim();
    const pid2 = execFileSync('cat', [t.path('pid2')], { encoding: 'utf8' }).trim();
    expect(pid1).toMatch(/^\d+$/);
    expect(pid2).toMatch(/^\d+$/);
    expect(pid2).not.toBe(pid1);
    const records = readRecords(t.path('j.jsonl'));
    expect(records.filter((e) => e.event === 'committed')).toHaveLength(1);
    expect(records.flatMap((e) => (e.event === 'signed' ? [e.exit] : []))).toEqual([0, 0]);
  });
});

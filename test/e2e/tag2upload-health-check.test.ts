// tag2upload-oracled checks its key outside any job, at start-up and on every "ayt": it lists the secret key, then
// makes a throwaway clearsignature (docs/design.md, "Facts about gpg and its callers"). Outside a job the shim refuses signing by default — the check fails
// loudly, naming the setting — and lets it through with GPG_GATE_UNSUPERVISED=passthrough. Listing keys always passes.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../shim/log.js';
import { tempDir, type TempDir } from '../helpers/gate-run.js';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { run } from '../helpers/run.js';
import { shimPath, shimPathEnv } from '../helpers/shim.js';
import { testKeys } from '../helpers/test-keys.js';
import { explain, runJob } from './support/gate-job.js';
import { signingModes } from './support/signing-modes.js';

const TEST_TEXT = 'Test of signing key.\n';

let t: TempDir;
let home: GnupgHome;
beforeAll(() => {
  t = tempDir('gpg-gate-e2e-t2u-');
  home = makeGnupgHome(['ed25519']);
});
afterAll(() => {
  home.cleanup();
  t.cleanup();
});

/** The oracle's environment: gpg-gate's shim first on PATH and no supervisor. */
const oracleEnv = (log: string, extra: NodeJS.ProcessEnv = {}) => ({
  ...home.env,
  PATH: shimPathEnv(),
  GPG_GATE_LOG: t.path(log),
  ...extra,
});

const logOf = (log: string) =>
  readFileSync(t.path(log), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogRecord);

/** `gpg -u<FPR> --clearsign >/dev/null` with the test text on stdin, exactly as the oracle runs it. */
function healthCheck(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const fpr = testKeys().ed25519.fingerprint;
  const child = spawn('gpg', [`-u${fpr}`, '--clearsign'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(TEST_TEXT);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe('the tag2upload health check outside any job', () => {
  it('is refused by default: exit 2, and the message names GPG_GATE_UNSUPERVISED', async () => {
    const r = await healthCheck(oracleEnv('refused.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/GPG_GATE_UNSUPERVISED/);
    expect(logOf('refused.jsonl')).toMatchObject([
      {
        argv: [`-u${testKeys().ed25519.fingerprint}`, '--clearsign'],
        classification: 'sign',
        decision: 'refused',
        exit: 2,
      },
    ]);
  });

  it('GPG_GATE_UNSUPERVISED=refuse, said explicitly, refuses the same way', async () => {
    const r = await healthCheck(oracleEnv('refuse.jsonl', { GPG_GATE_UNSUPERVISED: 'refuse' }));
    expect(r.code).toBe(2);
    expect(logOf('refuse.jsonl')[0]?.decision).toBe('refused');
  });

  it('is allowed with GPG_GATE_UNSUPERVISED=passthrough: the real gpg signs', async () => {
    const r = await healthCheck(oracleEnv('allowed.jsonl', { GPG_GATE_UNSUPERVISED: 'passthrough' }));
    expect(r.code, r.stderr).toBe(0);
    expect(logOf('allowed.jsonl')).toMatchObject([{ decision: 'unsupervised-passthrough', exit: 0 }]);
    // The same call with stdout kept: a clearsignature of the test text by the key.
    const signed = await run('gpg', [`-u${testKeys().ed25519.fingerprint}`, '--clearsign'], {
      env: oracleEnv('allowed.jsonl', { GPG_GATE_UNSUPERVISED: 'passthrough' }),
      input: TEST_TEXT,
    });
    const verified = await run('gpg', ['--status-fd=1', '--verify'], { env: home.env, input: signed.stdout });
    expect(verified.stdout.toString()).toMatch(
      new RegExp(`^\\[GNUPG:\\] VALIDSIG ${testKeys().ed25519.fingerprint} `, 'm'),
    );
    expect(signed.stdout.toString()).toContain(TEST_TEXT);
  });
});

describe('gpg --list-secret --with-colons always passes through', () => {
  const real = () => run('gpg', ['--list-secret', '--with-colons'], { env: home.env });

  it.each([
    ['outside any job', {}],
    ['outside any job, GPG_GATE_UNSUPERVISED=refuse', { GPG_GATE_UNSUPERVISED: 'refuse' }],
    ['outside any job, GPG_GATE_UNSUPERVISED=passthrough', { GPG_GATE_UNSUPERVISED: 'passthrough' }],
  ])('%s: byte-identical to the real gpg', async (_name, extra: NodeJS.ProcessEnv) => {
    const expected = await real();
    const r = await run(shimPath, ['--list-secret', '--with-colons'], { env: oracleEnv('list.jsonl', extra) });
    expect(r.code).toBe(0);
    expect(r.stdout.equals(expected.stdout)).toBe(true);
    expect(r.stderr.equals(expected.stderr)).toBe(true);
    expect(r.stdout.toString()).toMatch(new RegExp(`^fpr:+${testKeys().ed25519.fingerprint}:$`, 'm'));
  });

  it.each(signingModes())('inside a job ($name): byte-identical, and no commit step', async ({ setup: makeSetup }) => {
    const setup = makeSetup();
    try {
      const expected = await run('gpg', ['--list-secret', '--with-colons'], { env: setup.commandHome.env });
      const r = await runJob({
        dir: t.dir,
        name: `list-secret-${setup.mode.replace(/\W+/g, '-')}`,
        command: ['gpg', '--list-secret', '--with-colons'],
        cwd: t.dir,
        setup,
        env: home.env,
      });
      expect(r.code, explain(r)).toBe(0);
      expect(r.stdout.equals(expected.stdout)).toBe(true);
      expect(r.gpgCalls).toMatchObject([
        { argv: ['--list-secret', '--with-colons'], decision: 'passthrough', exit: 0 },
      ]);
      expect(r.hookCalls).toEqual([]);
      expect(r.records.some((e) => e.event === 'sign-requested')).toBe(false);
    } finally {
      setup.cleanup();
    }
  });
});

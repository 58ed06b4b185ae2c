// Passphrase-protected keys: the core unlocks them exactly when gpg 2.2 would (a passphrase given in loopback
// pinentry mode) and fails as gpg fails otherwise — same status lines, same messages, exit 2, nothing signed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { killAgent, makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { TEST_PASSPHRASE } from '../helpers/test-keys.js';
import { runCore } from './support/core-runner.js';
import { runGpg } from './support/gpg-runner.js';
import { FAKED_TIME, keyFileText } from './support/keys.js';

let home: GnupgHome;
const time = FAKED_TIME;
const data = 'unlock test\n';
const keys = () => keyFileText(['passphrase']);

beforeAll(() => {
  home = makeGnupgHome(['passphrase']);
});
afterAll(() => home.cleanup());
// gpg-agent caches a passphrase once it has seen it: each case starts without an agent.
beforeEach(() => killAgent(home.dir));

const messages = (lines: string[]) => lines.filter((l) => !l.startsWith('WARNING: running with faked'));
const gpgMessages = (stderr: string) =>
  messages(
    stderr
      .split('\n')
      .filter((l) => l.startsWith('gpg: '))
      .map((l) => l.slice(5)),
  );

interface Case {
  name: string;
  pinentryMode: string | null;
  passphrase: string | null;
}

const cases: Case[] = [
  { name: 'loopback, right passphrase: signs', pinentryMode: 'loopback', passphrase: TEST_PASSPHRASE },
  { name: 'loopback, wrong passphrase: Bad passphrase', pinentryMode: 'loopback', passphrase: 'wrong' },
  { name: 'loopback, no passphrase, batch: cannot ask', pinentryMode: 'loopback', passphrase: null },
  { name: 'cancel: Operation cancelled', pinentryMode: 'cancel', passphrase: TEST_PASSPHRASE },
  { name: 'error: No pinentry', pinentryMode: 'error', passphrase: TEST_PASSPHRASE },
];

describe('unlocking matches gpg 2.2', () => {
  it.each(cases)('$name', async ({ pinentryMode, passphrase }) => {
    const args = ['--batch', '--faked-system-time', `${time}!`];
    if (pinentryMode) args.push('--pinentry-mode', pinentryMode);
    if (passphrase !== null) args.push('--passphrase', passphrase);
    const gpg = runGpg([...args, '-u', 'passphrase@example.invalid', '-bsa'], { env: home.env, input: data });
    const ours = await runCore(keys(), {
      mode: 'detach',
      armor: true,
      data,
      time,
      localUsers: ['passphrase@example.invalid'],
      pinentryMode,
      passphrase,
    });
    expect(ours.status).toEqual(gpg.status);
    expect(messages(ours.log)).toEqual(gpgMessages(gpg.stderr));
    expect(ours.code).toBe(gpg.code);
    expect(ours.output.equals(gpg.stdout)).toBe(true);
  });
});

describe('where gpg would run pinentry', () => {
  // gpg would start pinentry (on a terminal, or fail without one); this backend cannot, and says how to proceed.
  it.each([null, 'ask', 'default'])('pinentry mode %s: a clear refusal, nothing signed', async (pinentryMode) => {
    const ours = await runCore(keys(), {
      mode: 'detach',
      data,
      time,
      localUsers: ['passphrase@example.invalid'],
      pinentryMode,
      passphrase: TEST_PASSPHRASE,
    });
    expect(ours.code).toBe(2);
    expect(ours.output.length).toBe(0);
    expect(ours.status.at(-1)).toBe('FAILURE sign 67108949');
    expect(ours.log.join('\n')).toMatch(/--pinentry-mode loopback/);
  });

  it('loopback without a passphrase and without --batch: no terminal prompt, a clear refusal', async () => {
    const ours = await runCore(keys(), {
      mode: 'detach',
      data,
      time,
      localUsers: ['passphrase@example.invalid'],
      pinentryMode: 'loopback',
      passphrase: null,
      batch: false,
    });
    expect(ours.code).toBe(2);
    expect(ours.output.length).toBe(0);
    expect(ours.log.join('\n')).toMatch(/does not prompt on the terminal/);
  });
});

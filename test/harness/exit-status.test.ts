// `run`'s exit status for each (commit decision, command status) pair, as docs/protocol.md's table for embedders says,
// and whether the journal may then be continued: exactly when nothing was committed.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { events, readRecords, runGate, tempDir, type TempDir } from '../helpers/gate-run.js';
import { jobStatus } from '../e2e/support/gate-job.js';

let home: GnupgHome;
let t: TempDir;
beforeAll(() => {
  home = makeGnupgHome(['ed25519']);
  t = tempDir();
});
afterAll(() => {
  home.cleanup();
  t.cleanup();
});

type Decision = 'none' | 'commit' | 'transient' | 'refuse' | 'unclear' | 'timeout' | 'killed';
type Command = '0' | '2' | '3' | '75' | 'SIGTERM';

// The commit step as an --on-commit hook: 0 committed · 75 transient · 77 refused · anything else no clear answer.
const HOOKS: Record<Exclude<Decision, 'none'>, string> = {
  commit: 'exit 0',
  transient: 'exit 75',
  refuse: 'exit 77',
  unclear: 'exit 3',
  timeout: 'sleep 30',
  killed: 'kill -9 $$',
};

const rows: [Decision, Command, string, number, 'yes' | 'no' | 'unknown'][] = [
  ['none', '0', 'succeeded', 0, 'no'],
  ['none', '3', 'failed-before-commit', 75, 'no'],
  ['none', 'SIGTERM', 'failed-before-commit', 75, 'no'],
  ['commit', '0', 'succeeded', 0, 'yes'],
  ['commit', '3', 'failed-after-commit', 3, 'yes'],
  ['commit', '75', 'failed-after-commit', 1, 'yes'],
  ['commit', 'SIGTERM', 'failed-after-commit', 143, 'yes'],
  ['transient', '0', 'failed-before-commit', 75, 'no'],
  ['transient', '2', 'failed-before-commit', 75, 'no'],
  ['refuse', '0', 'commit-refused', 75, 'no'],
  ['refuse', '2', 'commit-refused', 75, 'no'],
  ['unclear', '0', 'unknown', 1, 'unknown'],
  ['unclear', '2', 'unknown', 2, 'unknown'],
  ['timeout', '2', 'unknown', 2, 'unknown'],
  ['killed', '2', 'unknown', 2, 'unknown'],
];

describe.each(rows)('commit step %s, command exits %s', (decision, command, outcome, exit, committed) => {
  const name = `${decision}-${command}`;
  const journal = () => t.path(`${name}.jsonl`);

  it(`→ ${outcome}, exit ${exit}, committed ${committed}`, async () => {
    const key = home.keys.ed25519.fingerprint;
    // The command signs (unless no commit step is to be asked), then ends as the row says whatever gpg said: like
    // dgit-repos-server, which exits 0 after reporting a failure.
    const sign =
      decision === 'none' ? '' : `gpg --batch -u ${key} --detach-sign -o ${t.path(`${name}.sig`)} ${t.dir}/data; `;
    const end = command === 'SIGTERM' ? 'kill -TERM $$' : `exit ${command}`;
    const hook = decision === 'none' ? ['--auto-commit'] : ['--on-commit', HOOKS[decision]];
    const r = await runGate(
      [
        'run',
        '--quiet',
        '--commit-timeout',
        '1',
        ...hook,
        '--journal',
        journal(),
        '--',
        'sh',
        '-c',
        `echo data > ${t.dir}/data; ${sign}${end}`,
      ],
      { env: home.env },
    );
    expect(r.code, r.stderr).toBe(exit);
    expect(readRecords(journal()).at(-1)).toMatchObject({ event: 'job-ended', outcome, exitCode: exit });
    expect(jobStatus(journal())).toMatchObject({ outcome, committed, exitCode: exit });
    expect(existsSync(t.path(`${name}.sig`))).toBe(decision === 'commit');
  });

  it(committed === 'no' ? 'the journal is continued' : 'continuing the journal is refused', async () => {
    const r = await runGate(['run', '--quiet', '--auto-commit', '--journal', journal(), '--', 'true']);
    const records = readRecords(journal());
    if (committed === 'no') {
      expect(r.code, r.stderr).toBe(0);
      expect(events(records, 'job-resumed')).toHaveLength(1);
      expect(records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded' });
    } else {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(committed === 'yes' ? / committed \(outcome / : / may have committed \(/);
      expect(events(records, 'job-resumed')).toHaveLength(0);
    }
  });
});

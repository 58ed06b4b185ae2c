// What callers ask of gpg, served by the supervisor with either backend: detached, inline and cleartext signatures,
// armored or not, text mode, --digest-algo, data from a file or standard input, output to the default name, to a
// named file or to standard output, and gpg's overwrite rules — each signature verified by the real gpg, the inline
// ones carrying the caller's file name in their literal data packet.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePublicHome } from '../e2e/support/signing-modes.js';
import { runGpg } from '../openpgp/support/gpg-runner.js';
import { CLI, readRecords, tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv, type GnupgHome } from '../helpers/gnupg-home.js';
import { run } from '../helpers/run.js';
import type { TestKeyName } from '../helpers/test-keys.js';
import { supervisorSetup, type SignerBackend, type SupervisorSetup } from './support/supervisor-setup.js';

const DATA = 'Format: 3.0 (quilt)\nSource: gpg-gate\n-dash line\nFrom the start\ttab \r\nno newline at the end';

// name, gpg arguments (K = the key), the file(s) to verify, whether the output is an inline signed message.
const CALLS: [string, string, string[], boolean][] = [
  ['detached, default name', '-u K -b data.txt', ['data.txt.sig', 'data.txt'], false],
  ['detached, armored', '-u K -ba -o d.asc data.txt', ['d.asc', 'data.txt'], false],
  ['detached, text mode', '-u K -bt -o dt.sig data.txt', ['dt.sig', 'data.txt'], false],
  ['detached, SHA512', '-u K --digest-algo SHA512 -ba -o d512.asc data.txt', ['d512.asc', 'data.txt'], false],
  ['detached, to stdout', '-u K -ba -o - data.txt > stdout.asc', ['stdout.asc', 'data.txt'], false],
  ['inline, default name', '-u K -s data.txt', ['data.txt.gpg'], true],
  ['inline, armored, text mode', '-u K -sat -o st.asc data.txt', ['st.asc'], true],
  ['inline, from stdin to stdout', '-u K -s < data.txt > stdin.gpg', ['stdin.gpg'], true],
  ['cleartext, default name', '-u K --clearsign data.txt', ['data.txt.asc'], true],
];

const SCRIPT = (key: string) =>
  [
    ...CALLS.map(([, args], i) => `gpg --batch ${args.replace('-u K', `-u ${key}`)}; echo $? > rc.${i}`),
    // d.asc exists by now: in batch mode gpg refuses to overwrite it, with --yes it replaces it.
    `gpg --batch --status-fd 3 -u ${key} -ba -o d.asc data.txt 3> exists.status 2> exists.err; echo $? > rc.exists`,
    `gpg --batch --yes --status-fd 3 -u ${key} -ba -o d.asc data.txt 3> yes.status; echo $? > rc.yes`,
  ].join('\n');

const KEYS: Record<SignerBackend, TestKeyName> = { gnupg: 'rsa3072', openpgp: 'subkey' };

describe.each(['gnupg', 'openpgp'] as SignerBackend[])('--backend %s', (backend) => {
  let t: TempDir;
  let supervisor: SupervisorSetup;
  let verifier: GnupgHome;
  let requests = 0;

  beforeAll(async () => {
    t = tempDir(`gpg-gate-supervisor-modes-${backend}-`);
    supervisor = supervisorSetup(backend, KEYS[backend]);
    verifier = makePublicHome([KEYS[backend]]);
    writeFileSync(t.path('data.txt'), DATA);
    writeFileSync(t.path('job.sh'), SCRIPT(supervisor.key.fingerprint));
    const journal = t.path('journal.jsonl');
    const args = [CLI, 'run', ...supervisor.runArgs, '--auto-commit', '--quiet', '--journal', journal, '--'];
    const r = await run(process.execPath, [...args, 'sh', 'job.sh'], {
      cwd: t.dir,
      env: cleanEnv({ GNUPGHOME: verifier.dir }),
    });
    expect(r.code, r.stderr.toString()).toBe(0);
    requests = readRecords(journal).filter((e) => e.event === 'sign-requested').length;
  });
  afterAll(() => {
    supervisor.cleanup();
    verifier.cleanup();
    t.cleanup();
  });

  it.each(CALLS.map((c, i) => [...c, i] as const))(
    '%s: exit 0, gpg --verify accepts it',
    (_n, _a, files, inline, i) => {
      expect(readFileSync(t.path(`rc.${i}`), 'utf8').trim()).toBe('0');
      const g = runGpg(['--batch', '--verify', ...files], { env: verifier.env, cwd: t.dir });
      expect(g.code, g.stderr).toBe(0);
      expect(g.status).toContainEqual(expect.stringMatching(`^VALIDSIG ${supervisor.key.signingFingerprint} `));
      if (_n.includes('SHA512')) expect(g.status.find((l) => l.startsWith('VALIDSIG '))?.split(' ')[8]).toBe('10');
      if (inline && !files[0]!.endsWith('.asc')) {
        // The literal data packet names the caller's file (none for standard input), not the supervisor's spool.
        const packets = execFileSync('gpg', ['--batch', '--list-packets', files[0]!], {
          cwd: t.dir,
          env: verifier.env,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        expect(packets).toMatch(files[0] === 'stdin.gpg' ? /name=""/ : /name="data\.txt"/);
      }
    },
  );

  it('an existing output: refused in batch mode before the supervisor is asked; replaced with --yes', () => {
    expect(readFileSync(t.path('rc.exists'), 'utf8').trim()).toBe('2');
    expect(readFileSync(t.path('exists.err'), 'utf8')).toMatch(/^gpg: signing failed: File exists$/m);
    expect(readFileSync(t.path('exists.status'), 'utf8')).toBe('[GNUPG:] FAILURE sign 33587235\n');
    expect(readFileSync(t.path('rc.yes'), 'utf8').trim()).toBe('0');
    // gpg's status lines for the signing, from the supervisor, on the caller's --status-fd.
    expect(readFileSync(t.path('yes.status'), 'utf8')).toMatch(
      new RegExp(
        `^\\[GNUPG:\\] SIG_CREATED D ${supervisor.key.algorithm} \\d+ 00 \\d+ ${supervisor.key.signingFingerprint}$`,
        'm',
      ),
    );
    expect(runGpg(['--batch', '--verify', 'd.asc', 'data.txt'], { env: verifier.env, cwd: t.dir }).code).toBe(0);
    // Every call but the refused one reached the supervisor.
    expect(requests).toBe(CALLS.length + 1);
  });
});

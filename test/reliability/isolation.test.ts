// Authentication and isolation with real processes: the token reaches the command's environment and nothing else
// (not argv, journal, events, logs, nor the hook's argv or environment); request data reaches the hook as data only,
// never as shell text; what the build environment names cannot forge or colour the operator's timeline; another
// job's token and a second supervisor on a socket in use are refused. (Wrong, missing and stale tokens at the wire:
// test/harness/server.test.ts; group-writable --socket directory: test/harness/cli.test.ts.)
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLI, readRecords, runGate, startGate, tempDir, waitFor, type TempDir } from '../helpers/gate-run.js';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { cmdline, environ } from '../helpers/proc.js';
import { requireRoot } from '../helpers/require-tool.js';

// Real processes by the dozen: on a busy 2-core machine a step may wait its turn for a long while.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

let home: GnupgHome;
let fpr: string;
let t: TempDir;

beforeAll(() => {
  home = makeGnupgHome(['ed25519']);
  fpr = home.keys.ed25519.fingerprint;
});
afterAll(() => home.cleanup());
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

const sign = (file: string) => `gpg --detach-sign --armor -u ${fpr} '${file}'`;

describe('the token', () => {
  it('is in the command’s environment only: not in argv, journal, events, logs, stderr, or the hook', async () => {
    writeFileSync(t.path('data'), 'data\n');
    // The hook holds until released, so that its /proc entries (and the command's) can be read while they run.
    const hook = `echo $$ > ${t.path('hook.pid')}; cat > /dev/null; while [ ! -e ${t.path('go')} ]; do sleep 0.01; done`;
    const child = `echo $$ > ${t.path('child.pid')}; printf %s "$GPG_GATE_TOKEN" > ${t.path('token')}; ${sign(t.path('data'))}`;
    const g = spawn(
      process.execPath,
      [CLI, 'run', '--events-fd', '3', '--journal', t.path('j.jsonl'), '--on-commit', hook, '--', 'sh', '-c', child],
      {
        // As if this supervisor ran inside another gate's job: an outer token in its own environment.
        env: { ...home.env, GPG_GATE_LOG: t.path('shim.log'), GPG_GATE_TOKEN: 'outer-token-from-an-enclosing-job' },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    for (const s of [g.stdout, g.stderr, g.stdio[3]] as NodeJS.ReadableStream[])
      s.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => g.once('close', resolve));
    await waitFor(() => existsSync(t.path('hook.pid')) && existsSync(t.path('token')), 60_000, 'the hook');
    const token = readFileSync(t.path('token'), 'utf8');
    const hookPid = Number(readFileSync(t.path('hook.pid'), 'utf8'));
    const childPid = Number(readFileSync(t.path('child.pid'), 'utf8'));
    const shims = readdirSync('/proc').filter((p) => (cmdline(Number(p))[1] ?? '').endsWith('/shim/gpg'));
    expect(token.length).toBeGreaterThanOrEqual(43);
    for (const pid of [hookPid, childPid, g.pid ?? 0, ...shims.map(Number)]) {
      expect(cmdline(pid).join(' '), `argv of ${pid}`).not.toContain(token);
    }
    // The command (and the shim under it) must have it; the hook, the supervisor itself must not.
    expect(environ(childPid)).toContain(`GPG_GATE_TOKEN=${token}`);
    expect(environ(hookPid)).not.toContain('GPG_GATE_TOKEN=');
    expect(environ(g.pid ?? 0)).not.toContain(token);
    writeFileSync(t.path('go'), '');
    expect(await exited).toBe(0);
    for (const file of ['j.jsonl', 'shim.log']) expect(readFileSync(t.path(file), 'utf8')).not.toContain(token);
    expect(out).not.toContain(token);
    expect(out).toContain('"event":"job-ended"'); // the events were read
  });

  it("another job's token is refused on this job's socket", async () => {
    writeFileSync(t.path('data'), 'data\n');
    // Job A publishes its socket and token and waits; job B's command signs on A's socket with B's own token.
    const a = startGate(
      ['run', '--auto-commit', '--journal', t.path('a.jsonl'), '--', 'sh', '-c'].concat(
        `printf '%s' "$GPG_GATE_SOCKET" > ${t.path('a.sock')}; while [ ! -e ${t.path('go')} ]; do sleep 0.02; done`,
      ),
      { env: home.env },
    );
    await waitFor(() => existsSync(t.path('a.sock')), 60_000, 'job A');
    const b = await runGate(
      ['run', '--auto-commit', '--journal', t.path('b.jsonl'), '--', 'sh', '-c'].concat(
        `GPG_GATE_SOCKET=$(cat ${t.path('a.sock')}) ${sign(t.path('data'))}`,
      ),
      { env: home.env },
    );
    expect(b.code).toBe(75);
    expect(b.stderr).toMatch(/signing refused by gpg-gate: the supervisor reported bad-token/);
    expect(existsSync(t.path('data.asc'))).toBe(false);
    writeFileSync(t.path('go'), '');
    expect((await a.done).code).toBe(0);
    expect(readRecords(t.path('a.jsonl')).filter((r) => r.event === 'sign-requested')).toEqual([]);
  });
});

describe('request data reaches the hook as data, never as shell text', () => {
  // File names and key ids a hostile build might choose: each would run a command if pasted into a shell.
  const hostile = ['$(touch PWNED-1)', '`touch PWNED-2`', `it's "quoted"; touch PWNED-3`, 'new\nline $(touch PWNED-4)'];

  it('file names and key ids with $(…), backquotes, quotes and newlines: no command runs, the hook gets them verbatim', async () => {
    const names = hostile.map((h, i) => `f${i} ${h}`);
    for (const n of names) writeFileSync(t.path(n), n);
    // The command signs each file (argv from a file, no shell re-parsing), then asks for a key id that is hostile too.
    writeFileSync(t.path('names'), JSON.stringify([...names.map((n) => t.path(n))]));
    const script =
      `node -e 'const n=JSON.parse(require("fs").readFileSync(process.argv[1]));` +
      `for (const f of n) require("child_process").spawnSync("gpg",["--detach-sign","--armor","-u","${fpr}",f],{stdio:"inherit"});` +
      `require("child_process").spawnSync("gpg",["-bau",${JSON.stringify(hostile[0])},n[0]],{stdio:"inherit"})' ${t.path('names')}`;
    const hook = `n=$(ls ${t.path()} | grep -c '^stdin'); cat > "${t.path('stdin')}.$n"; env > "${t.path('env')}.$n"`;
    const r = await runGate(['run', '--on-commit', hook, '--journal', t.path('k.jsonl'), '--', 'sh', '-c', script], {
      env: home.env,
      cwd: t.dir,
    });
    expect(r.code, r.stderr).toBe(0);
    // No marker anywhere: not in the working directory, not in the hook's.
    expect(readdirSync(t.dir).filter((f) => f.startsWith('PWNED'))).toEqual([]);
    expect(readdirSync(process.cwd()).filter((f) => f.startsWith('PWNED'))).toEqual([]);
    // The hook's stdin is the first request, byte for byte as the command gave it.
    const stdin = JSON.parse(readFileSync(t.path('stdin.0'), 'utf8')) as { argv: string[]; inputs: { name: string }[] };
    expect(stdin.argv.at(-1)).toBe(t.path(names[0] as string));
    expect(stdin.inputs[0]?.name).toBe(t.path(names[0] as string));
    // Every request is in the journal verbatim, signed as asked; the hostile key id was refused by gpg, not a shell.
    const requested = readRecords(t.path('k.jsonl')).flatMap((x) =>
      x.event === 'sign-requested' && x.request.type === 'sign-request' ? [x.request] : [],
    );
    expect(requested.map((q) => q.inputs[0]?.name)).toEqual([...names, names[0]].map((n) => t.path(n as string)));
    expect(requested.at(-1)?.localUsers).toEqual([hostile[0]]);
    for (const n of names) expect(existsSync(t.path(`${n}.asc`))).toBe(true);
  });

  it('what the build names cannot forge timeline lines or send terminal escapes to the operator', async () => {
    const name = 'x\ngpg-gate: outcome succeeded (exit 0)\u001b]0;owned\u0007\u001b[2J\u202e';
    writeFileSync(t.path(name), 'x');
    const r = await runGate(
      ['run', '--auto-commit', '--journal', t.path('j.jsonl'), '--', 'gpg', '--detach-sign', '-u', fpr, t.path(name)],
      { env: home.env },
    );
    expect(r.code, r.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('gpg-gate: outcome'))).toHaveLength(1);
    expect(r.stderr).toContain('\\n'); // shown escaped
  });
});

describe('the socket', () => {
  it('a second supervisor on a --socket path in use is refused (exit 75, nothing runs); the first goes on', async () => {
    mkdirSync(t.path('sock'), { mode: 0o700 });
    const socket = t.path('sock', 'S');
    const first = startGate(
      ['run', '--socket', socket, '--auto-commit', '--journal', t.path('a.jsonl'), '--', 'sh', '-c'].concat(
        `touch ${t.path('a.up')}; while [ ! -e ${t.path('go')} ]; do sleep 0.02; done; ${sign(t.path('a.up'))}`,
      ),
      { env: home.env },
    );
    await waitFor(() => existsSync(t.path('a.up')), 60_000, 'the first supervisor');
    const second = await runGate(
      ['run', '--socket', socket, '--auto-commit', '--journal', t.path('b.jsonl'), '--', 'touch', t.path('b.ran')],
      { env: home.env },
    );
    expect(second.code).toBe(75);
    expect(second.stderr).toMatch(/another supervisor already listens/);
    expect(existsSync(t.path('b.ran'))).toBe(false);
    expect(existsSync(t.path('b.jsonl'))).toBe(false);
    writeFileSync(t.path('go'), '');
    const r = await first.done;
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(t.path('a.up.asc'))).toBe(true);
  });

  it.each([
    ['world-writable', 0o777],
    ['sticky and world-writable, like /tmp', 0o1777],
    ['group-readable', 0o750],
  ])('a %s socket directory is refused at start (exit 75, nothing runs)', async (_what, mode) => {
    mkdirSync(t.path('sock'));
    chmodSync(t.path('sock'), mode);
    const r = await runGate(
      [
        'run',
        '--socket',
        t.path('sock', 'S'),
        '--auto-commit',
        '--journal',
        t.path('j.jsonl'),
        '--',
        'touch',
        t.path('ran'),
      ],
      { env: home.env },
    );
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/accessible to group or others/);
    expect(existsSync(t.path('ran'))).toBe(false);
  });

  it('a socket directory that is a symlink is refused', async () => {
    mkdirSync(t.path('real'), { mode: 0o700 });
    symlinkSync(t.path('real'), t.path('link'));
    const viaLink = await runGate(
      ['run', '--socket', t.path('link', 'S'), '--auto-commit', '--journal', t.path('j.jsonl'), '--', 'true'],
      { env: home.env },
    );
    expect(viaLink.code).toBe(75);
    expect(viaLink.stderr).toMatch(/is not a directory \(or is a link\)/);
  });

  it('a socket directory that belongs to another user is refused', async (ctx) => {
    requireRoot(ctx, 'chown to another user');
    mkdirSync(t.path('theirs'), { mode: 0o700 });
    chownSync(t.path('theirs'), 65534, 65534);
    const theirs = await runGate(
      ['run', '--socket', t.path('theirs', 'S'), '--auto-commit', '--journal', t.path('k.jsonl'), '--', 'true'],
      { env: home.env },
    );
    expect(theirs.code).toBe(75);
    expect(theirs.stderr).toMatch(/belongs to uid 65534/);
  });
});

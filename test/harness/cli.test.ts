// The gpg-gate CLI: usage errors, output variants, shim-dir and install-shim, start-up refusals.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, ROOT, SHIM, runGate, tempDir, type TempDir } from '../helpers/gate-run.js';

let t: TempDir;
beforeEach(() => (t = tempDir()));
afterEach(() => t.cleanup());

describe('usage errors exit 64 and run nothing', () => {
  it.each([
    [['run', '--', 'true'], /exactly one of --on-commit, --auto-commit, --decisions-fd/],
    [['run', '--auto-commit', '--on-commit', 'true', '--', 'true'], /exactly one of/],
    [['run', '--auto-commit', '--retries', '-1', '--', 'true'], /expected an integer ≥ 0/],
    [['run', '--auto-commit', '--retries', 'x', '--', 'true'], /expected an integer ≥ 0/],
    [['run', '--auto-commit', '--commit-timeout', '0', '--', 'true'], /seconds > 0/],
    [['run', '--auto-commit', '--job', '../escape', '--', 'true'], /--job must be/],
    [['run', '--auto-commit', '--quiet', '--json', '--', 'true'], /exclude each other/],
    [['run', '--auto-commit', '--events-fd', '97', '--', 'true'], /--events-fd 97: descriptor is not open/],
    [['run', '--auto-commit'], /missing required argument/],
    [['run', '--auto-commit', '--no-shim', '--', 'true'], /--no-shim goes with --agent-gate/],
    [['run', '--auto-commit', '--agent-gate', '--', 'true'], /--agent-gate needs --gnupghome KEYHOME/],
    [['run', '--auto-commit', '--agent-gate', '--gnupghome', '/nonexistent', '--', 'true'], /is not a directory/],
    [
      ['run', '--auto-commit', '--agent-gate', '--sign-in-supervisor', '--gnupghome', '/', '--', 'true'],
      /--agent-gate and --sign-in-supervisor exclude each other/,
    ],
    [['run', '--no-such-option', '--', 'true'], /unknown option/],
    [['frobnicate'], /unknown command/],
  ])('%j', async (args, message) => {
    const r = await runGate(args, { cwd: t.dir });
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(t.dir)).toEqual([]);
  });

  it('--help exits 0', async () => {
    const r = await runGate(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--on-commit <cmd>/);
  });
});

describe('output', () => {
  const args = (...extra: string[]) => [
    'run',
    '--journal',
    t.path('j.jsonl'),
    '--auto-commit',
    ...extra,
    '--',
    'sh',
    '-c',
    'echo out; exit 0',
  ];

  it('the child keeps stdout; the timeline goes to stderr', async () => {
    const r = await runGate(args());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^gpg-gate: job \S+, journal .*j\.jsonl$/),
      'gpg-gate: attempt 1 started',
      'gpg-gate: attempt 1: the command exited with 0; 0 signatures',
      'gpg-gate: outcome succeeded (exit 0)',
    ]);
  });

  it('--quiet prints nothing', async () => {
    const r = await runGate(args('--quiet'));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('--json prints the events', async () => {
    const r = await runGate(args('--json'));
    const lines = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string });
    expect(lines.map((l) => l.event)).toEqual([
      'job-started',
      'attempt-started',
      'child-started',
      'child-exited',
      'attempt-ended',
      'job-ended',
    ]);
    expect(
      readFileSync(t.path('j.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual(lines);
  });

  it('the default journal is $XDG_STATE_HOME/gpg-gate/JOB.jsonl, in a 0700 directory', async () => {
    const r = await runGate(['run', '--job', 'my-job.1', '--auto-commit', '--', 'true'], {
      env: { ...process.env, XDG_STATE_HOME: t.path('state') },
    });
    expect(r.code).toBe(0);
    const journal = t.path('state', 'gpg-gate', 'my-job.1.jsonl');
    expect(statSync(journal).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(journal)).mode & 0o777).toBe(0o700);
  });

  it('a command that cannot be started: exit 75 (nothing was committed), 127 is recorded', async () => {
    const r = await runGate(['run', '--journal', t.path('j.jsonl'), '--auto-commit', '--', t.path('missing')]);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/cannot run .*missing: ENOENT/);
  });
});

describe('start-up refusals', () => {
  it('a group-writable --socket directory: refused before anything runs, exit 75', async () => {
    mkdirSync(t.path('sock'));
    chmodSync(t.path('sock'), 0o775);
    const r = await runGate([
      'run',
      '--journal',
      t.path('j.jsonl'),
      '--socket',
      t.path('sock', 'S'),
      '--auto-commit',
      '--',
      'touch',
      t.path('ran'),
    ]);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/accessible to group or others/);
    expect(readdirSync(t.dir).sort()).toEqual(['sock']);
  });

  it('--socket PATH in a 0700 directory is used, and removed afterwards', async () => {
    mkdirSync(t.path('sock'), { mode: 0o700 });
    const path = t.path('sock', 'S');
    const r = await runGate([
      'run',
      '--journal',
      t.path('j.jsonl'),
      '--socket',
      path,
      '--auto-commit',
      '--',
      'sh',
      '-c',
      'echo $GPG_GATE_SOCKET',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${path}\n`);
    expect(readdirSync(t.path('sock'))).toEqual([]);
  });
});

describe('shim-dir and install-shim', () => {
  it('shim-dir prints dist/shim, whatever the working directory', async () => {
    const r = await runGate(['shim-dir'], { cwd: t.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${join(ROOT, 'dist', 'shim')}\n`);
  });

  it('install-shim writes a self-contained 0755 copy (and any lazily loaded .cjs bundle)', async () => {
    const target = t.path('chroot', 'usr', 'local', 'bin');
    const r = await runGate(['install-shim', target]);
    expect(r.code, r.stderr).toBe(0);
    const expected = ['gpg', ...readdirSync(dirname(SHIM)).filter((f) => f.endsWith('.cjs'))].sort();
    expect(readdirSync(target).sort()).toEqual(expected);
    for (const f of expected) {
      expect(statSync(join(target, f)).mode & 0o777).toBe(0o755);
      expect(readFileSync(join(target, f)).equals(readFileSync(join(dirname(SHIM), f)))).toBe(true);
    }
    // Self-contained: it runs from a directory with no node_modules and no package.json, outside the project.
    const version = spawnSync(join(target, 'gpg'), ['--version'], { cwd: t.dir });
    expect(version.status, version.stderr.toString()).toBe(0);
    expect(version.stdout.toString()).toBe(spawnSync('gpg', ['--version']).stdout.toString());
  });

  it('install-shim inside a "type": "module" package gives the CommonJS shim its own scope', async () => {
    writeFileSync(t.path('package.json'), '{ "type": "module" }\n');
    const target = t.path('bin');
    expect((await runGate(['install-shim', target])).code).toBe(0);
    expect(readFileSync(join(target, 'package.json'), 'utf8')).toMatch(/"commonjs"/);
    const version = spawnSync(join(target, 'gpg'), ['--version'], { cwd: t.dir });
    expect(version.status, version.stderr.toString()).toBe(0);
  });

  it('install-shim into an unwritable place fails with exit 1', async () => {
    writeFileSync(t.path('file'), '');
    const r = await runGate(['install-shim', t.path('file', 'sub')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot install the shim/);
  });

  it('the CLI bundle is executable', () => {
    expect(statSync(CLI).mode & 0o111).not.toBe(0);
  });
});

// Two Perl peers using only core modules, driving the real shim and the real gpg with a throwaway key:
// (a) a program embedding `gpg-gate run` through --events-fd/--decisions-fd (one pipe each way, no SIGCHLD handling);
// (b) a < 100-line supervisor written from docs/protocol.md alone.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { CLI, ROOT, SHIM, readRecords, tempDir, type TempDir } from '../helpers/gate-run.js';

const PERL = join(ROOT, 'test', 'harness', 'perl');

let home: GnupgHome;
let t: TempDir;
let fpr: string;

beforeAll(() => {
  home = makeGnupgHome(['ed25519']);
  fpr = home.keys.ed25519.fingerprint;
});
afterAll(() => home.cleanup());
beforeEach(() => {
  t = tempDir();
  writeFileSync(t.path('tag.tmp'), 'object 0123456789abcdef\ntype commit\ntag debian/1.0-1\n');
});
afterEach(() => t.cleanup());

function perl(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('perl', [join(PERL, script), ...args], {
      cwd: t.dir,
      env: home.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** dgit's signing call: `gpg --detach-sign --armor -u KEY tag.tmp`, writing tag.tmp.asc. */
const dgitSign = (gpg: string) => [gpg, '--detach-sign', '--armor', '-u', fpr, 'tag.tmp'];

function verifies(): boolean {
  const r = spawnSync('gpg', ['--batch', '--verify', t.path('tag.tmp.asc'), t.path('tag.tmp')], { env: home.env });
  return r.status === 0;
}

describe('(a) Perl embeds gpg-gate run: events on one pipe, decisions on another', () => {
  interface Embedded {
    events: string[];
    outcome: string;
    exitCode: number;
    status: number;
  }

  async function embed(answer: string): Promise<Embedded> {
    const r = await perl('embed.pl', [answer, process.execPath, CLI, t.path('job.jsonl'), '--', ...dgitSign('gpg')]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Embedded;
  }

  it('commit: the shim signs, the Perl program learns "succeeded" from job-ended', async () => {
    const result = await embed('commit');
    expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0, status: 0 });
    expect(result.events).toEqual([
      'job-started',
      'attempt-started',
      'child-started',
      'sign-requested',
      'commit-requested',
      'commit-wanted',
      'committed',
      'sign-approved',
      'signed',
      'child-exited',
      'attempt-ended',
      'job-ended',
    ]);
    expect(verifies()).toBe(true);
    const committed = readRecords(t.path('job.jsonl')).find((r) => r.event === 'committed');
    expect(committed).toMatchObject({ method: 'decisions-fd' });
  });

  it('transient: nothing signed, outcome failed-before-commit, exit 75', async () => {
    const result = await embed('transient');
    expect(result).toMatchObject({ outcome: 'failed-before-commit', exitCode: 75, status: 75 });
    expect(result.events).toContain('sign-refused');
    expect(existsSync(t.path('tag.tmp.asc'))).toBe(false);
  });

  it('refuse: nothing committed, nothing signed, outcome commit-refused, exit 75', async () => {
    const result = await embed('refuse');
    expect(result).toMatchObject({ outcome: 'commit-refused', exitCode: 75, status: 75 });
    expect(existsSync(t.path('tag.tmp.asc'))).toBe(false);
  });
});

describe('(b) a Perl supervisor written from docs/protocol.md gates the real shim', () => {
  it('is at most 100 lines and uses core modules only', () => {
    const source = readFileSync(join(PERL, 'supervisor.pl'), 'utf8');
    expect(source.split('\n').length).toBeLessThanOrEqual(100);
    const modules = [...source.matchAll(/^use ([\w:]+)/gm)].map((m) => m[1] ?? '');
    expect(modules).toContain('IO::Socket::UNIX');
    const check = spawnSync('perl', [
      '-MModule::CoreList',
      '-e',
      'print join ",", grep { !Module::CoreList::is_core($_) } @ARGV',
      ...modules,
    ]);
    expect(check.stdout.toString()).toBe('');
  });

  it('proceed: gpg signs, and the request and result reach the supervisor', async () => {
    const r = await perl('supervisor.pl', ['proceed', ...dgitSign(SHIM)]);
    expect(r.code, r.stderr).toBe(0);
    const [request, result] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(request?.request).toMatchObject({
      type: 'sign-request',
      commands: ['detach-sign'],
      localUsers: [fpr],
      output: 'tag.tmp.asc',
      kind: 'data',
      mode: 'detach',
    });
    expect(request?.request).not.toHaveProperty('token');
    const asc = readFileSync(t.path('tag.tmp.asc'));
    expect(result?.result).toMatchObject({ type: 'sign-result', exit: 0, outputSize: asc.length });
    expect(verifies()).toBe(true);
  });

  it('abort: no signature, gpg-style refusal, exit 2', async () => {
    const r = await perl('supervisor.pl', ['abort', ...dgitSign(SHIM)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gpg: signing refused by gpg-gate: perl says abort/);
    expect(existsSync(t.path('tag.tmp.asc'))).toBe(false);
  });
});

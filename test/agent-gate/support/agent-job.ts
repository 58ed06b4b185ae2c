// One real `gpg-gate run --agent-gate` job against a key holder's home whose agent logs every command it receives:
// a commit hook that records the request and what a probe saw at hook time, then exits as told; the journal and the
// status read back for the test to judge.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobRecord, RecordedRequest } from '../../../harness/records.js';
import type { JobStatus } from '../../../harness/status.js';
import { jobStatus } from '../../e2e/support/gate-job.js';
import { exportKeyring } from '../../e2e/support/gpgv.js';
import { AgentSignLog } from '../../helpers/agent-sign-log.js';
import { afterAll, beforeAll } from 'vitest';
import { CLI, readRecords, tempDir, type TempDir } from '../../helpers/gate-run.js';
import { cleanEnv, makeGnupgHome, type GnupgHome } from '../../helpers/gnupg-home.js';
import { start, type RunResult } from '../../helpers/run.js';
import { testKeys, type TestKeyInfo } from '../../helpers/test-keys.js';

/** The key holder: a home with the ed25519 key, its agent logging (before it starts), its public keyring exported. */
export interface KeyHolder {
  home: GnupgHome;
  key: TestKeyInfo;
  /** The primary key's keygrip: what gpg names in SIGKEY, so what the gate journals. */
  keygrip: string;
  log: AgentSignLog;
  /** The public keyring for gpgv, which shares nothing with the job or the key home. */
  keyring: string;
  /** Environment for git/gpg verifying against the key home's public key. */
  verifyEnv: NodeJS.ProcessEnv;
  cleanup(): void;
}

export function makeKeyHolder(dir: string): KeyHolder {
  const home = makeGnupgHome(['ed25519']);
  // Before anything may start the key home's agent: it reads its conf once.
  const log = new AgentSignLog(home.dir);
  const key = testKeys().ed25519;
  const colons = execFileSync('gpg', ['--batch', '--with-colons', '--with-keygrip', '--list-keys', key.fingerprint], {
    env: home.env,
    encoding: 'utf8',
  });
  const keygrip = /^grp:+([0-9A-F]{40}):/m.exec(colons)?.[1];
  if (keygrip === undefined) throw new Error(`no keygrip for ${key.fingerprint}`);
  return {
    home,
    key,
    keygrip,
    log,
    keyring: exportKeyring(home, join(dir, 'keyring.gpg')),
    verifyEnv: home.env,
    cleanup: () => home.cleanup(),
  };
}

/** The two ways the agent gate runs: the shim first on PATH (default) or PATH left alone. */
export const MODES = [
  { mode: 'shim on PATH', shim: true },
  { mode: '--no-shim', shim: false },
];

/** For one describe block: a temp dir and a key holder, made before its tests and removed after them. */
export function useKeyHolder(prefix: string): { readonly t: TempDir; readonly holder: KeyHolder; caseDir(): string } {
  let t: TempDir | undefined;
  let holder: KeyHolder | undefined;
  let n = 0;
  beforeAll(() => {
    t = tempDir(prefix);
    holder = makeKeyHolder(t.dir);
  });
  afterAll(() => {
    holder?.cleanup();
    t?.cleanup();
  });
  const made = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useKeyHolder: used before its beforeAll ran');
    return value;
  };
  return {
    get t() {
      return made(t);
    },
    get holder() {
      return made(holder);
    },
    /** A fresh directory for one test. */
    caseDir() {
      const dir = made(t).path(`case-${++n}`);
      mkdirSync(dir);
      return dir;
    },
  };
}

/** The key holder's agent pid (starting it if need be): the same pid later means it never stopped. */
export function agentPid(holder: KeyHolder): string {
  const out = execFileSync('gpg-connect-agent', ['--homedir', holder.home.dir, 'GETINFO pid', '/bye'], {
    env: cleanEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = /^D (\d+)$/m.exec(out)?.[1];
  if (pid === undefined) throw new Error(`gpg-connect-agent GETINFO pid: ${out}`);
  return pid;
}

export interface HookCall {
  request: RecordedRequest;
  /** The probe's output at hook time, reduced to [A-Za-z0-9 ._:-]. */
  probe: string;
}

export interface AgentJobSpec {
  dir: string;
  name: string;
  holder: KeyHolder;
  command: string[];
  /** false: --no-shim (PATH untouched). */
  shim: boolean;
  /** The hook's exit status: 0 commit, 75 transient, 77 refused. */
  hookExit?: number;
  /** Shell text the hook runs before it answers; its stdout is recorded (what exists at the commitment point). */
  probe?: string;
  cwd?: string;
  /** Environment of the supervisor (so of the command and the hook); GNUPGHOME is the gate's to set. */
  env?: NodeJS.ProcessEnv;
  /** stdin is an open pipe holding these bytes, never closed (a caller whose stdin gpg must not read). */
  stdinKeptOpenWith?: string;
}

export interface AgentJobRun extends RunResult {
  journal: string;
  records: JobRecord[];
  hookCalls: HookCall[];
  status: JobStatus;
  /** The command's exit status, when it is wrapped by `wrapped` (null otherwise). */
  callerExit: number | null;
}

// The operator's hook: request JSON on stdin, probe text, then the exit status asked for.
const HOOK = `#!/bin/sh
log=$1 probe=$2 code=$3
req=$(cat)
seen=$(sh "$probe" 2>/dev/null | tr -cd 'A-Za-z0-9 ._:-')
printf '{"request":%s,"probe":"%s"}\\n' "$req" "$seen" >> "$log"
exit "$code"
`;

/** `sh -c` around the caller that keeps its own exit status in FILE (the job's is the supervisor's word). */
export function wrapped(rcFile: string, command: string[]): string[] {
  return ['sh', '-c', '"$@"; rc=$?; echo $rc > "$0"; exit $rc', rcFile, ...command];
}

export async function runAgentJob(spec: AgentJobSpec): Promise<AgentJobRun> {
  const base = join(spec.dir, spec.name);
  const hook = `${base}.hook.sh`;
  const probe = `${base}.probe.sh`;
  const hookLog = `${base}.hook.jsonl`;
  const journal = `${base}.journal.jsonl`;
  const rcFile = `${base}.rc`;
  writeFileSync(hook, HOOK, { mode: 0o755 });
  writeFileSync(probe, spec.probe ?? 'true\n');
  const args = [
    CLI,
    'run',
    '--agent-gate',
    '--gnupghome',
    spec.holder.home.dir,
    ...(spec.shim ? [] : ['--no-shim']),
    '--journal',
    journal,
    '--on-commit',
    `${hook} ${hookLog} ${probe} ${spec.hookExit ?? 0}`,
    '--',
    ...wrapped(rcFile, spec.command),
  ];
  const keepOpen = spec.stdinKeptOpenWith !== undefined;
  const running = start(process.execPath, args, {
    cwd: spec.cwd ?? spec.dir,
    env: spec.env ?? cleanEnv(),
    keepStdinOpen: keepOpen,
    timeoutMs: 45_000,
  });
  if (keepOpen) running.child.stdin?.write(spec.stdinKeptOpenWith);
  let result: RunResult;
  try {
    result = await running.done;
  } finally {
    running.child.stdin?.destroy();
  }
  const hookCalls = existsSync(hookLog)
    ? readFileSync(hookLog, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as HookCall)
    : [];
  return {
    ...result,
    journal,
    records: readRecords(journal),
    hookCalls,
    status: jobStatus(journal),
    callerExit: existsSync(rcFile) ? Number(readFileSync(rcFile, 'utf8').trim()) : null,
  };
}

/** The request types of the job's sign-requested records, in order. */
export function requestTypes(records: readonly JobRecord[]): string[] {
  return records.flatMap((r) => (r.event === 'sign-requested' ? [r.request.type] : []));
}

export function jobEnded(records: readonly JobRecord[]): Extract<JobRecord, { event: 'job-ended' }> {
  const ended = records.find((r) => r.event === 'job-ended');
  if (ended?.event !== 'job-ended') throw new Error('the journal has no job-ended');
  return ended;
}

/** The fingerprint gpgv reports for one good signature of FILES with the key holder's keyring, or null. */
export function gpgvSigner(holder: KeyHolder, files: string[]): string | null {
  const r = spawnSync('gpgv', ['--status-fd=1', '--keyring', holder.keyring, ...files], {
    env: cleanEnv(),
    encoding: 'utf8',
  });
  if (r.status !== 0 || !/^\[GNUPG:\] GOODSIG /m.test(r.stdout)) return null;
  return /^\[GNUPG:\] VALIDSIG ([0-9A-F]+) /m.exec(r.stdout)?.[1] ?? null;
}

/** `git verify-commit`/`verify-tag` against the key holder's public key: the fingerprint of a good signature, or null. */
export function gitSigner(holder: KeyHolder, repo: string, env: NodeJS.ProcessEnv, args: string[]): string | null {
  const r = spawnSync('git', ['-C', repo, ...args, '--raw'], {
    env: { ...env, GNUPGHOME: holder.home.dir },
    encoding: 'utf8',
  });
  // --raw: gpg's status lines on stderr.
  if (r.status !== 0 || !/^\[GNUPG:\] GOODSIG /m.test(r.stderr)) return null;
  return /^\[GNUPG:\] VALIDSIG ([0-9A-F]+) /m.exec(r.stderr)?.[1] ?? null;
}

/** Index of the first record named `event` (-1: none). */
export function firstIndex(records: readonly JobRecord[], event: string): number {
  return records.findIndex((r) => r.event === event);
}

/** Shows a job's output in an assertion message. */
export function explain(r: AgentJobRun): string {
  return `exit ${r.code} (caller ${r.callerExit})\n--- stdout\n${r.stdout.toString()}\n--- stderr\n${r.stderr.toString()}`;
}

// Runs the built `gpg-gate` CLI as a real process and reads back what it left: exit status, stderr, journal.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobRecord } from '../../harness/records.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'gpg-gate.js');
export const SHIM = join(ROOT, 'dist', 'shim', 'gpg');

export interface GateResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  stdio?: StdioOptions;
}

/** Starts `node dist/gpg-gate.js ARGS`; `done` resolves when it exits. */
export function startGate(
  args: string[],
  options: StartOptions = {},
): { child: ChildProcess; done: Promise<GateResult> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<GateResult>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runGate(args: string[], options: StartOptions = {}): Promise<GateResult> {
  return startGate(args, options).done;
}

export function readRecords(journal: string): JobRecord[] {
  return readFileSync(journal, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JobRecord);
}

export function events(records: readonly JobRecord[], name?: string): string[] {
  return records.map((r) => r.event).filter((e) => name === undefined || e === name);
}

export interface TempDir {
  dir: string;
  path(...parts: string[]): string;
  cleanup(): void;
}

export function tempDir(prefix = 'gpg-gate-test-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (...parts) => join(dir, ...parts), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `check` until it is true (or fails after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

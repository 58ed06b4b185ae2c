// `gpg-gate status` on a journal with many requests, read through a pipe as an embedding program reads it: the JSON
// is complete (exiting used to cut it at the pipe's 64 KiB); and a reader that leaves early costs no crash.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { JobStatus } from '../../harness/status.js';
import { makeRequest } from '../helpers/protocol-client.js';
import { CLI, runGate, tempDir, type TempDir } from '../helpers/gate-run.js';

let t: TempDir;
beforeEach(() => (t = tempDir()));
afterEach(() => t.cleanup());

it('prints the whole status of a job with 2000 requests', async () => {
  const head = { v: 1, time: '2026-01-01T00:00:00.000Z', job: 'big' };
  const lines: Record<string, unknown>[] = [
    {
      ...head,
      seq: 1,
      event: 'job-started',
      supervisor: { pid: 1, startTime: 1, bootId: 'gone' },
      command: [],
      cwd: '/',
    },
    { ...head, seq: 2, event: 'attempt-started', attempt: 1 },
  ];
  for (let i = 0; i < 2000; i++) {
    const { token: _token, ...request } = makeRequest('t', { id: i.toString(16).padStart(16, '0') });
    lines.push({ ...head, seq: lines.length + 1, event: 'sign-requested', attempt: 1, id: request.id, request });
  }
  writeFileSync(t.path('journal.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
  const r = await runGate(['status', '--journal', t.path('journal.jsonl')]);
  expect(r.code).toBe(0);
  expect(r.stdout.length).toBeGreaterThan(65536);
  const status = JSON.parse(r.stdout) as JobStatus;
  expect(status).toMatchObject({ job: 'big', outcome: 'failed-before-commit', attempts: 1 });
  expect(status.signatures).toHaveLength(2000);
});

it('a reader that leaves early is not an error (no EPIPE crash)', async () => {
  const closed = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'shim-dir'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.destroy(); // the reader is gone before anything is written
    child.once('close', (code) => resolve({ code, stderr }));
  });
  expect(closed.stderr).not.toContain('EPIPE');
  expect(closed.code).toBe(0);
});

// The fault-injection facility's contract (docs/protocol.md §12), through the real shim: armed only with both
// variables; kill dies at the step and leaves its marker; pause holds the whole process until its marker is removed.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { startGateServer, type GateServer } from '../helpers/gate-server.js';
import { tempDir, type TempDir } from '../helpers/gate-run.js';
import { makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { run, start } from '../helpers/run.js';
import { shimPath, shimPathEnv } from '../helpers/shim.js';

// Real processes by the dozen: on a busy 2-core machine a step may wait its turn for a long while.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

let home: GnupgHome;
let server: GateServer;
let t: TempDir;

beforeAll(() => {
  home = makeGnupgHome(['ed25519']);
});
afterAll(() => home.cleanup());
beforeEach(async () => {
  t = tempDir();
  server = await startGateServer('proceed');
});
afterEach(async () => {
  await server.close();
  t.cleanup();
});

const sign = ['--detach-sign', '--armor', '-u', 'ed25519@example.invalid', '-o', '-'];
const env = (extra: Record<string, string>) => ({ ...home.env, PATH: shimPathEnv(), ...server.env(), ...extra });

it('one variable alone arms nothing: GPG_GATE_TEST_FAULT without (or with a missing) GPG_GATE_TEST_FAULT_DIR', async () => {
  for (const extra of [
    { GPG_GATE_TEST_FAULT: 'shim.before-connect:kill' },
    { GPG_GATE_TEST_FAULT: 'shim.before-connect:kill', GPG_GATE_TEST_FAULT_DIR: t.path('missing') },
    { GPG_GATE_TEST_FAULT_DIR: t.dir },
  ]) {
    const r = await run(shimPath, sign, { env: env(extra), input: 'data' });
    expect(r.code, r.stderr.toString()).toBe(0);
  }
  expect(server.requests).toHaveLength(3);
});

it('kill: the process dies of SIGKILL at the step, after leaving DIR/STEP.PID.kill', async () => {
  const r = start(shimPath, sign, {
    env: env({ GPG_GATE_TEST_FAULT: 'shim.before-connect:kill', GPG_GATE_TEST_FAULT_DIR: t.dir }),
    input: 'data',
  });
  const done = await r.done;
  expect(done.signal).toBe('SIGKILL');
  expect(readdirSync(t.dir)).toEqual([`shim.before-connect.${r.child.pid}.kill`]);
  expect(server.requests).toHaveLength(0);
});

it('pause: nothing happens while DIR/STEP.PID.pause exists; removing it lets the process go on', async () => {
  const r = start(shimPath, sign, {
    env: env({ GPG_GATE_TEST_FAULT: 'shim.before-connect:pause', GPG_GATE_TEST_FAULT_DIR: t.dir }),
    input: 'data',
  });
  const marker = t.path(`shim.before-connect.${r.child.pid}.pause`);
  await expect.poll(() => existsSync(marker), { timeout: 60_000 }).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(server.requests).toHaveLength(0); // held, not merely slow: it has not connected
  rmSync(marker);
  const done = await r.done;
  expect(done.code, done.stderr.toString()).toBe(0);
  expect(server.requests).toHaveLength(1);
});

it('an unknown action is named on stderr and ignored', async () => {
  const r = await run(shimPath, sign, {
    env: env({ GPG_GATE_TEST_FAULT: 'shim.before-connect:explode', GPG_GATE_TEST_FAULT_DIR: t.dir }),
    input: 'data',
  });
  expect(r.code).toBe(0);
  expect(r.stderr.toString()).toContain("GPG_GATE_TEST_FAULT: ignoring 'shim.before-connect:explode'");
});

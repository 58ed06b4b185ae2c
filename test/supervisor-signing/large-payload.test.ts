// Bounded memory both ways through --sign-in-supervisor: 1 GiB of data streamed to the supervisor (a detached
// signature by openpgp.js inside the supervisor), and 256 MiB of cleartext-signed output streamed back (gpg in the
// supervisor's GNUPGHOME). Peak RSS is measured with /usr/bin/time -f %M for the shim and for the supervisor's whole
// process tree, and read from /proc (VmHWM) for the supervisor process itself; each must stay far below the data size.
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePublicHome } from '../e2e/support/signing-modes.js';
import { runGpg } from '../openpgp/support/gpg-runner.js';
import { CLI, readRecords, tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv, type GnupgHome } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';
import { run } from '../helpers/run.js';
import { supervisorSetup, type SignerBackend, type SupervisorSetup } from './support/supervisor-setup.js';

const MiB = 1024 * 1024;
/** Far below the data in either direction: neither side may hold the data in memory. */
const RSS_LIMIT_KIB = 150 * 1024;

let t: TempDir;
const setups: SupervisorSetup[] = [];
let verifier: GnupgHome;

beforeAll(() => {
  t = tempDir('gpg-gate-supervisor-large-');
  verifier = makePublicHome(['ed25519']);
});
afterAll(() => {
  for (const s of setups) s.cleanup();
  verifier.cleanup();
  t.cleanup();
});

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface Measured {
  code: number | null;
  stderr: string;
  shimKiB: number;
  supervisorTreeKiB: number;
  supervisorKiB: number;
  journal: string;
}

/** Runs `gpg ARGS` as the whole job, each side under /usr/bin/time; the job's command reads the supervisor's VmHWM. */
async function measured(name: string, backend: SignerBackend, gpgArgs: string): Promise<Measured> {
  const supervisor = supervisorSetup(backend, 'ed25519');
  setups.push(supervisor);
  const journal = t.path(`${name}.journal.jsonl`);
  const script = `/usr/bin/time -f %M -o ${name}.shim.rss gpg ${gpgArgs}; rc=$?; grep VmHWM /proc/$PPID/status > ${name}.supervisor.hwm; exit $rc`;
  const args = [
    'run',
    ...supervisor.runArgs,
    '--auto-commit',
    '--quiet',
    '--journal',
    journal,
    '--',
    'sh',
    '-c',
    script,
  ];
  const r = await run('/usr/bin/time', ['-f', '%M', '-o', `${name}.tree.rss`, process.execPath, CLI, ...args], {
    cwd: t.dir,
    env: cleanEnv({ GNUPGHOME: verifier.dir }),
    timeoutMs: 170_000,
  });
  const kib = (file: string) => Number(/(\d+)/.exec(readFileSync(t.path(file), 'utf8'))?.[1]);
  return {
    code: r.code,
    stderr: r.stderr.toString(),
    shimKiB: kib(`${name}.shim.rss`),
    supervisorTreeKiB: kib(`${name}.tree.rss`),
    supervisorKiB: kib(`${name}.supervisor.hwm`),
    journal,
  };
}

function report(what: string, m: Measured): void {
  const mib = (k: number) => `${(k / 1024).toFixed(1)} MiB`;
  console.log(
    `${what}: peak RSS shim ${mib(m.shimKiB)}, supervisor ${mib(m.supervisorKiB)} (VmHWM), supervisor's process tree ${mib(m.supervisorTreeKiB)} (/usr/bin/time -f %M)`,
  );
}

// Gigabytes through two spools and a socket: generous under a loaded machine, a few seconds when idle.
describe('bounded memory through --sign-in-supervisor', { timeout: 180_000 }, () => {
  it('1 GiB to the supervisor: a detached signature by openpgp.js in the supervisor; both sides stay small', async (ctx) => {
    requireTool(ctx, '/usr/bin/time', 'measures peak RSS');
    const data = t.path('big.bin');
    writeFileSync(data, 'gpg-gate\n');
    truncateSync(data, 1024 * MiB);
    const m = await measured('detach-1g', 'openpgp', '--batch -u ed25519@example.invalid --detach-sign big.bin');
    expect(m.code, m.stderr).toBe(0);
    report('1 GiB payload, detached signature (openpgp signer)', m);
    expect(m.shimKiB).toBeLessThan(RSS_LIMIT_KIB);
    expect(m.supervisorKiB).toBeLessThan(RSS_LIMIT_KIB);
    expect(m.supervisorTreeKiB).toBeLessThan(RSS_LIMIT_KIB);
    const signed = readRecords(m.journal).find((r) => r.event === 'sign-requested');
    expect(signed).toMatchObject({ request: { size: 1024 * MiB, sha256: await fileSha256(data) } });
    const g = runGpg(['--batch', '--verify', 'big.bin.sig', 'big.bin'], { env: verifier.env, cwd: t.dir });
    expect(g.code, g.stderr).toBe(0);
  });

  it('256 MiB back from the supervisor: a cleartext signature by gpg in the supervisor; both sides stay small', async (ctx) => {
    requireTool(ctx, '/usr/bin/time', 'measures peak RSS');
    // Text lines, some starting with a dash (dash-escaped in the output).
    const line = Buffer.from('- The quick brown fox jumps over the lazy dog, 0123456789 and all that, once more.\n');
    const block = Buffer.concat(Array<Buffer>(4096).fill(line));
    const text = t.path('big.txt');
    const fd = openSync(text, 'w');
    for (let written = 0; written < 256 * MiB; written += block.length) writeSync(fd, block);
    closeSync(fd);
    const m = await measured('clearsign-256m', 'gnupg', '--batch -u ed25519@example.invalid --clearsign big.txt');
    expect(m.code, m.stderr).toBe(0);
    report('256 MiB cleartext signature back to the shim (gnupg signer)', m);
    expect(statSync(t.path('big.txt.asc')).size).toBeGreaterThan(256 * MiB);
    expect(m.shimKiB).toBeLessThan(RSS_LIMIT_KIB);
    expect(m.supervisorKiB).toBeLessThan(RSS_LIMIT_KIB);
    expect(m.supervisorTreeKiB).toBeLessThan(RSS_LIMIT_KIB);
    // What the shim wrote is what the supervisor recorded as its output.
    const signed = readRecords(m.journal).find((r) => r.event === 'signed');
    expect(signed).toMatchObject({ exit: 0, outputSha256: await fileSha256(t.path('big.txt.asc')) });
    const g = runGpg(['--batch', '--verify', 'big.txt.asc'], { env: verifier.env, cwd: t.dir });
    expect(g.code, g.stderr).toBe(0);
    expect(existsSync(t.path('big.txt.gpg'))).toBe(false);
  });
});

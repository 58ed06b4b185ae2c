// Ground truth for the classifier: runs the real gpg on an argv exactly as given (nothing added) and observes whether
// it created a signature, in gpg-agent's PKSIGN log (test/helpers/agent-sign-log.ts). Each worker has its own home
// and agent and runs one gpg at a time; the home is restored from a snapshot after each call (key commands change
// the keyring).
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentSignLog } from '../helpers/agent-sign-log.js';
import { cleanEnv, killAgent, makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { TEST_PASSPHRASE } from '../helpers/test-keys.js';

export interface GpgCall {
  argv: string[];
  stdin: string;
  /** Files in the (fresh) working directory. */
  files: Record<string, string>;
  /** Files written into the GnuPG home (gpg.conf, gpg.conf-2.2, …). */
  homeFiles: Record<string, string>;
  /** Environment variables on top of the worker's; null removes one (e.g. GNUPGHOME). */
  env: Record<string, string | null>;
}

export interface GpgObservation {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** Number of signatures the agent made during the call. */
  signatures: number;
  /** Files in the working directory after the call (name → size). */
  files: Map<string, number>;
  timedOut: boolean;
}

/** Values the corpus writes as placeholders. */
export interface Placeholders {
  [key: string]: string;
}

export class GpgWorker {
  readonly home: GnupgHome;
  /** A HOME whose ~/.gnupg is the worker's GnuPG home (for calls without GNUPGHOME). */
  readonly userHome: string;
  /** An empty GnuPG home: GNUPGHOME for calls that must find the keys through --homedir. */
  readonly emptyHome: string;
  private readonly snapshot: string;
  private readonly log: AgentSignLog;
  /** Home paths gpg may have started an agent for. */
  private readonly agentHomes = new Set<string>();

  constructor() {
    this.home = makeGnupgHome();
    this.log = new AgentSignLog(this.home.dir);
    this.snapshot = mkdtempSync(join(tmpdir(), 'gpg-gate-argv-snapshot-'));
    cpSync(this.home.dir, this.snapshot, {
      recursive: true,
      filter: (p) => !/S\.gpg-agent|\.lock$|\.#lk|agent\.log/.test(p),
    });
    this.userHome = mkdtempSync(join(tmpdir(), 'gpg-gate-argv-user-'));
    symlinkSync(this.home.dir, join(this.userHome, '.gnupg'));
    this.emptyHome = mkdtempSync(join(tmpdir(), 'gpg-gate-argv-empty-'));
    this.agentHomes.add(this.home.dir);
  }

  placeholders(): Placeholders {
    const k = this.home.keys;
    return {
      K: k.ed25519.fingerprint,
      KID: k.ed25519.keyId,
      KR: k.rsa3072.fingerprint,
      KS: k.subkey.fingerprint,
      KP: k.passphrase.fingerprint,
      UID: k.ed25519.userId,
      UIDR: k.rsa3072.userId,
      EMAIL: k.ed25519.email,
      PASS: TEST_PASSPHRASE,
      H: this.home.dir,
      EMPTY: this.emptyHome,
    };
  }

  /** The environment a call runs in (the classifier is given the same). */
  env(extra: Record<string, string | null>): NodeJS.ProcessEnv {
    const env = cleanEnv({ GNUPGHOME: this.home.dir, HOME: this.userHome });
    for (const [k, v] of Object.entries(extra)) {
      if (v === null) delete env[k];
      else env[k] = v;
    }
    return env;
  }

  /** Back to the snapshot: key commands change the keyring, and config files of one call must not leak. */
  private restore(): void {
    for (const name of readdirSync(this.home.dir)) {
      if (name.startsWith('S.') || name === 'agent.log' || name === 'gpg-agent.conf') continue;
      rmSync(join(this.home.dir, name), { recursive: true, force: true });
    }
    cpSync(this.snapshot, this.home.dir, { recursive: true });
  }

  /**
   * Sets up the home and a fresh working directory for `call`, runs `judge` there (the classifier, with the same
   * environment and files gpg will see), then, if `observe`, runs gpg and reports what it did.
   */
  async run<T>(
    call: GpgCall,
    judge: (cwd: string, env: NodeJS.ProcessEnv) => T,
    observe: boolean,
    setup: { argv: string[]; stdin: string }[] = [],
    timeoutMs = 15_000,
  ): Promise<{ judged: T; observed: GpgObservation | null }> {
    this.restore();
    for (const [name, text] of Object.entries(call.homeFiles)) writeFileSync(join(this.home.dir, name), text);
    const cwd = mkdtempSync(join(tmpdir(), 'gpg-gate-argv-cwd-'));
    try {
      for (const [name, text] of Object.entries(call.files)) {
        mkdirSync(join(cwd, name, '..'), { recursive: true });
        writeFileSync(join(cwd, name), text);
      }
      const env = this.env(call.env);
      this.agentHomes.add(env.GNUPGHOME ?? join(this.userHome, '.gnupg'));
      for (let i = 0; i < call.argv.length; i++) {
        // Any home gpg may start an agent for, to kill it later.
        const a = call.argv[i] ?? '';
        if (a.startsWith('--ho')) {
          const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : call.argv[i + 1];
          if (v) this.agentHomes.add(v.startsWith('/') ? v : join(cwd, v));
        }
      }
      for (const s of setup) {
        const r = await spawnGpg(s.argv, { cwd, env, stdin: s.stdin, timeoutMs });
        if (r.code !== 0) throw new Error(`setup gpg ${s.argv.join(' ')} failed: ${r.stderr}`);
      }
      const judged = judge(cwd, env);
      if (!observe) return { judged, observed: null };
      const before = this.log.mark();
      const result = await spawnGpg(call.argv, { cwd, env, stdin: call.stdin, timeoutMs });
      const files = new Map<string, number>();
      for (const name of readdirSync(cwd, { recursive: true, encoding: 'utf8' }))
        files.set(name, statSync(join(cwd, name)).size);
      return { judged, observed: { ...result, signatures: this.log.signaturesSince(before), files } };
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }

  cleanup(): void {
    for (const h of this.agentHomes) killAgent(h);
    this.home.cleanup();
    for (const d of [this.snapshot, this.userHome, this.emptyHome]) rmSync(d, { recursive: true, force: true });
  }
}

/** Runs gpg in a new session (no controlling terminal: prompts fail instead of waiting) and kills its group on timeout. */
function spawnGpg(
  argv: string[],
  o: { cwd: string; env: NodeJS.ProcessEnv; stdin: string; timeoutMs: number },
): Promise<Omit<GpgObservation, 'signatures' | 'files'>> {
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', argv, { cwd: o.cwd, env: o.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => out.length < 1000 && out.push(c));
    child.stderr.on('data', (c: Buffer) => err.length < 1000 && err.push(c));
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.stdin);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, o.timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
}

/** Runs `jobs` on `workers`, each worker one job at a time. */
export async function runPool<T, R>(
  workers: GpgWorker[],
  jobs: T[],
  fn: (w: GpgWorker, job: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(jobs.length);
  let next = 0;
  await Promise.all(
    workers.map(async (w) => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await fn(w, jobs[i] as T);
      }
    }),
  );
  return results;
}

/** Replaces `{NAME}` placeholders in strings, arrays and objects. */
export function substitute<T>(value: T, p: Placeholders): T {
  if (typeof value === 'string') return value.replace(/\{([A-Z]+)\}/g, (m, k: string) => p[k] ?? m) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => substitute(v, p)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[substitute(k, p)] = substitute(v, p);
    return out as T;
  }
  return value;
}

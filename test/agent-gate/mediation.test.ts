// Complete mediation under --agent-gate: every way of making a signature that respects GNUPGHOME — gpg by absolute
// path, git with gpg.program=/usr/bin/gpg, a GPGME client — ends in a PKSIGN the proxy holds until the commit step,
// with or without the shim on PATH (none of them asks the shim). At the commitment point no signature exists yet; a
// refusing hook leaves none anywhere and the key holder's agent never sees PKSIGN (gpgsm: gpgsm.test.ts). A caller
// that ignores GNUPGHOME is the documented limit (docs/security.md); what is tested is that the command's GNUPGHOME
// is the job's keyless home.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../harness/records.js';
import { SHIM } from '../helpers/gate-run.js';
import { cleanEnv } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';
import { isolatedGitEnv } from '../e2e/support/isolated-git.js';
import {
  explain,
  firstIndex,
  gitSigner,
  gpgvSigner,
  jobEnded,
  requestTypes,
  runAgentJob,
  type AgentJobRun,
  type KeyHolder,
  useKeyHolder,
  MODES,
} from './support/agent-job.js';

const PYTHON = '/usr/bin/python3';

// A GPGME client as applications write one: the engine is whatever gpgconf names (the real gpg), never the shim.
const GPGME_SIGN = `import sys, gpg
data = open(sys.argv[1], 'rb').read()
with gpg.Context(armor=True) as c:
    c.signers = [c.get_key(sys.argv[3])]
    sig, _ = c.sign(data, mode=gpg.constants.sig.mode.DETACH)
open(sys.argv[2], 'wb').write(sig)
`;

/** python3-gpg is a module, not a program: the same skip-or-fail rule as requireTool. */
function requireGpgme(ctx: { skip: (note?: string) => never }): void {
  requireTool(ctx, PYTHON, 'runs the GPGME client');
  if (spawnSync(PYTHON, ['-c', 'import gpg'], { stdio: 'ignore' }).status === 0) return;
  if (process.env.CI === 'true') throw new Error('python3-gpg is missing under CI (the GPGME client); install it');
  ctx.skip('python3-gpg not importable by /usr/bin/python3 (the GPGME client)');
}

/** One way of making a signature: its command, what shows a signature exists, and how it verifies. */
interface Caller {
  command: string[];
  env: NodeJS.ProcessEnv;
  /** Shell text printing `signed` if a signature (or the object carrying it) exists, else `none`. */
  probe: string;
  /** The fingerprint of a valid signature made by the job, or null. */
  signer(): string | null;
}

interface CallerKind {
  name: string;
  prerequisite?: (ctx: { skip: (note?: string) => never }) => void;
  /** What the caller says when the proxy answers PKSIGN with Forbidden. */
  refusal: RegExp;
  make(dir: string, holder: KeyHolder): Caller;
}

// A detached signature file: gpg creates it (empty) before signing, so "exists" means "not empty".
function detachedFile(dir: string, holder: KeyHolder, command: (data: string, out: string) => string[]): Caller {
  const data = join(dir, 'data.txt');
  const out = join(dir, 'data.txt.asc');
  writeFileSync(data, 'the bytes that are signed\n');
  return {
    command: command(data, out),
    env: cleanEnv(),
    probe: `[ -s '${out}' ] && echo signed || echo none\n`,
    signer: () => (existsSync(out) ? gpgvSigner(holder, [out, data]) : null),
  };
}

function gitRepo(dir: string, holder: KeyHolder): { repo: string; env: NodeJS.ProcessEnv } {
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  const env = isolatedGitEnv(dir, {
    name: 'gpg-gate test',
    email: holder.key.email,
    signingKey: holder.key.fingerprint,
  });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env, stdio: 'ignore' });
  git('init', '-q');
  git('commit', '-q', '--allow-empty', '-m', 'unsigned root');
  return { repo, env };
}

const CALLERS: CallerKind[] = [
  {
    name: '/usr/bin/gpg --detach-sign',
    refusal: /gpg: signing failed: Forbidden/,
    make: (dir, holder) =>
      detachedFile(dir, holder, (data, out) => [
        '/usr/bin/gpg',
        '--batch',
        '-u',
        holder.key.fingerprint,
        '--armor',
        '--output',
        out,
        '--detach-sign',
        data,
      ]),
  },
  {
    name: 'git -c gpg.program=/usr/bin/gpg commit -S',
    // git keeps gpg's stderr to itself.
    refusal: /error: gpg failed to sign the data/,
    make(dir, holder) {
      const { repo, env } = gitRepo(dir, holder);
      return {
        command: ['git', '-C', repo, '-c', 'gpg.program=/usr/bin/gpg', 'commit', '-S', '--allow-empty', '-m', 'signed'],
        env,
        // The commit object is written after gpg returns: until then HEAD has the root commit only.
        probe: `[ "$(git -C '${repo}' rev-list --count HEAD)" = 1 ] && echo none || echo signed\n`,
        signer: () =>
          execFileSync('git', ['-C', repo, 'rev-list', '--count', 'HEAD'], { env, encoding: 'utf8' }).trim() === '2'
            ? gitSigner(holder, repo, env, ['verify-commit', 'HEAD'])
            : null,
      };
    },
  },
  {
    name: 'git -c gpg.program=/usr/bin/gpg tag -s',
    refusal: /error: gpg failed to sign the data/,
    make(dir, holder) {
      const { repo, env } = gitRepo(dir, holder);
      return {
        command: ['git', '-C', repo, '-c', 'gpg.program=/usr/bin/gpg', 'tag', '-s', '-m', 'release 1.0', 'v1.0'],
        env,
        probe: `git -C '${repo}' cat-file -e refs/tags/v1.0 2>/dev/null && echo signed || echo none\n`,
        signer: () => gitSigner(holder, repo, env, ['verify-tag', 'v1.0']),
      };
    },
  },
  {
    name: 'a GPGME client (python3-gpg)',
    prerequisite: requireGpgme,
    refusal: /GPGMEError: gpgme_op_sign: GPG Agent: Forbidden/,
    make(dir, holder) {
      const script = join(dir, 'gpgme-sign.py');
      writeFileSync(script, GPGME_SIGN);
      return detachedFile(dir, holder, (data, out) => [PYTHON, script, data, out, holder.key.fingerprint]);
    },
  },
];

const probeNow = (caller: Caller) =>
  execFileSync('sh', ['-c', caller.probe], { env: caller.env, encoding: 'utf8' }).trim();

const signingEvents = (records: readonly JobRecord[]) =>
  records.map((r) => r.event).filter((e) => /^(sign|commit)/.test(e));

describe.each(MODES)('--agent-gate, $mode: every signer reaches the commit step', ({ shim }) => {
  const fx = useKeyHolder('gpg-gate-agent-mediation-');
  const caseDir = () => fx.caseDir();

  async function run(kind: CallerKind, hookExit: number): Promise<{ caller: Caller; r: AgentJobRun; pksigns: number }> {
    const dir = caseDir();
    const caller = kind.make(dir, fx.holder);
    const mark = fx.holder.log.mark();
    const r = await runAgentJob({
      dir,
      name: 'job',
      holder: fx.holder,
      command: caller.command,
      shim,
      hookExit,
      probe: caller.probe,
      env: caller.env,
    });
    return { caller, r, pksigns: fx.holder.log.signaturesSince(mark) };
  }

  describe.each(CALLERS)('$name', (kind) => {
    it('commit step first, with nothing signed yet; then the signature verifies', async (ctx) => {
      kind.prerequisite?.(ctx);
      const { caller, r, pksigns } = await run(kind, 0);
      expect(r.code, explain(r)).toBe(0);
      expect(r.callerExit).toBe(0);

      // At the commitment point: the hook ran once, for the held PKSIGN, and no signature existed.
      expect(r.hookCalls.map((c) => c.probe)).toEqual(['none']);
      expect(r.hookCalls[0]?.request).toMatchObject({
        type: 'agent-pksign',
        keygrip: fx.holder.keygrip,
        hashAlgo: '8',
      });
      expect(r.hookCalls[0]?.request).toHaveProperty('digest', expect.stringMatching(/^[0-9a-f]{64}$/));

      // The journal: `committed` before the first approval; the only request is the agent's (no shim asked).
      expect(requestTypes(r.records)).toEqual(['agent-pksign']);
      expect(signingEvents(r.records)).toEqual([
        'sign-requested',
        'commit-requested',
        'committed',
        'sign-approved',
        'signed',
      ]);
      expect(firstIndex(r.records, 'committed')).toBeLessThan(firstIndex(r.records, 'sign-approved'));
      expect(r.records.find((e) => e.event === 'signed')).toMatchObject({
        exit: 0,
        outputSha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      });
      expect(jobEnded(r.records)).toMatchObject({ outcome: 'succeeded', exitCode: 0, signatures: 1 });

      // The key fx.holder's agent made exactly this signature, and it is valid.
      expect(pksigns).toBe(1);
      expect(caller.signer()).toBe(fx.holder.key.fingerprint);
      // The probe does see a signature once there is one: its `none` above was not blindness.
      expect(probeNow(caller)).toBe('signed');
    });

    it('a refusing hook: the caller fails, no signature anywhere, the agent never sees PKSIGN, exit 75', async (ctx) => {
      kind.prerequisite?.(ctx);
      const { caller, r, pksigns } = await run(kind, 77);
      expect(r.code, explain(r)).toBe(75);
      expect(r.callerExit).not.toBe(0);
      expect(r.callerExit).not.toBeNull();
      expect(r.stderr.toString()).toMatch(kind.refusal);

      expect(r.hookCalls).toHaveLength(1);
      expect(r.hookCalls[0]?.request.type).toBe('agent-pksign');
      expect(signingEvents(r.records)).toEqual([
        'sign-requested',
        'commit-requested',
        'commit-refused',
        'sign-refused',
      ]);
      expect(jobEnded(r.records)).toMatchObject({ outcome: 'commit-refused', exitCode: 75, signatures: 0 });

      expect(pksigns).toBe(0);
      expect(caller.signer()).toBeNull();
      expect(probeNow(caller)).toBe('none');
    });
  });

  it("the command's GNUPGHOME is the job's home, which holds no secret key", async () => {
    const dir = caseDir();
    const seen = join(dir, 'seen');
    const mark = fx.holder.log.mark();
    const r = await runAgentJob({
      dir,
      name: 'env',
      holder: fx.holder,
      shim,
      command: [
        'sh',
        '-c',
        // What the command is given, and every file in its home, listed while the job runs (it is removed after).
        'printf "%s\\n%s\\n%s\\n" "$GNUPGHOME" "$GPG_GATE_AGENT_SOCKET" "$(command -v gpg)" > "$0"; ' +
          'find "$GNUPGHOME" >> "$0"',
        seen,
      ],
    });
    expect(r.code, explain(r)).toBe(0);
    const [home, socket, gpg, ...files] = readFileSync(seen, 'utf8').trim().split('\n');
    const started = r.records.find((e) => e.event === 'job-started');
    const gate = started?.event === 'job-started' ? started.options.agentGate : undefined;
    expect(gate).toMatchObject({ keyHome: resolve(fx.holder.home.dir), shim });
    expect(home).toBe(gate?.jobHome);
    expect(socket).toBe(gate?.proxySocket);
    expect(resolve(home ?? '')).not.toBe(resolve(fx.holder.home.dir));
    expect(resolve(home ?? '').startsWith(resolve(fx.holder.home.dir) + '/')).toBe(false);
    // The shim is first on PATH only without --no-shim.
    expect(gpg).toBe(shim ? SHIM : '/usr/bin/gpg');

    // The key home does hold key files (so the check below can fail), the job's home none.
    const keyFiles = readdirSync(join(fx.holder.home.dir, 'private-keys-v1.d')).filter((f) => f.endsWith('.key'));
    expect(keyFiles.length).toBeGreaterThan(0);
    expect(files).toContain(`${home}/pubring.kbx`);
    expect(files.filter((f) => /private-keys-v1\.d|\.key$|secring/.test(f))).toEqual([]);
    expect(fx.holder.log.signaturesSince(mark)).toBe(0);
  });
});

describe('--agent-gate with the shim: a shimmed gpg is journaled twice, counted once', () => {
  const fx = useKeyHolder('gpg-gate-agent-mediation-shim-');

  beforeAll(() => {
    for (const f of ['a', 'b', 'c']) writeFileSync(fx.t.path(f), `file ${f}\n`);
  });

  const sign = (gpg: string, f: string) =>
    `${gpg} --batch -u ${fx.holder.key.fingerprint} --armor --output ${f}.asc --detach-sign ${f}`;

  it('two calls through the shim and one by absolute path: five requests, one commit step, three signatures', async () => {
    const mark = fx.holder.log.mark();
    const r = await runAgentJob({
      dir: fx.t.dir,
      name: 'mixed',
      holder: fx.holder,
      shim: true,
      command: ['sh', '-c', [sign('gpg', 'a'), sign('/usr/bin/gpg', 'b'), sign('gpg', 'c')].join(' && ')],
      probe: `[ -s '${fx.t.path('a.asc')}' ] && echo signed || echo none\n`,
    });
    expect(r.code, explain(r)).toBe(0);

    // The shim asked first (the commit step saw its sign-request); its gpg's PKSIGN was held and journaled as well.
    expect(r.hookCalls.map((c) => [c.request.type, c.probe])).toEqual([['sign-request', 'none']]);
    expect(r.hookCalls[0]?.request).toMatchObject({ argv: expect.arrayContaining(['--detach-sign']) as unknown });
    expect(requestTypes(r.records)).toEqual([
      'sign-request',
      'agent-pksign',
      // /usr/bin/gpg: no shim asked, the agent gate still did.
      'agent-pksign',
      'sign-request',
      'agent-pksign',
    ]);
    expect(r.records.filter((e) => e.event === 'commit-requested')).toHaveLength(1);
    expect(firstIndex(r.records, 'committed')).toBeLessThan(firstIndex(r.records, 'sign-approved'));
    const signed = r.records.filter((e) => e.event === 'signed');
    expect(signed.map((e) => e.event === 'signed' && e.exit)).toEqual([0, 0, 0, 0, 0]);
    // job-ended counts signatures the agent made, not the shim's reports of the same ones.
    expect(jobEnded(r.records)).toMatchObject({ outcome: 'succeeded', signatures: 3 });
    expect(r.status.signatures.map((s) => [s.source, s.state])).toEqual([
      ['shim', 'signed'],
      ['agent', 'signed'],
      ['agent', 'signed'],
      ['shim', 'signed'],
      ['agent', 'signed'],
    ]);
    expect(fx.holder.log.signaturesSince(mark)).toBe(3);
    for (const f of ['a', 'b', 'c'])
      expect(gpgvSigner(fx.holder, [fx.t.path(`${f}.asc`), fx.t.path(f)]), f).toBe(fx.holder.key.fingerprint);
  });

  it('a refusing hook stops the shimmed gpg before it reaches the agent', async () => {
    const mark = fx.holder.log.mark();
    const r = await runAgentJob({
      dir: fx.t.dir,
      name: 'refused',
      holder: fx.holder,
      shim: true,
      hookExit: 77,
      command: ['sh', '-c', `rm -f ${fx.t.path('a.asc')}; ${sign('gpg', 'a')}`],
    });
    expect(r.code, explain(r)).toBe(75);
    expect(r.callerExit).not.toBe(0);
    expect(requestTypes(r.records)).toEqual(['sign-request']);
    expect(r.records.map((e) => e.event)).toContain('commit-refused');
    expect(jobEnded(r.records)).toMatchObject({ outcome: 'commit-refused', exitCode: 75, signatures: 0 });
    expect(fx.holder.log.signaturesSince(mark)).toBe(0);
    expect(gpgvSigner(fx.holder, [fx.t.path('a.asc'), fx.t.path('a')])).toBeNull();
  });
});

// The agent gate over ssh: the key stays with the key holder, the supervisor runs next to it, and a remote build host
// signs with its own unmodified gpg through the forwarded proxy socket. Tested against a real sshd on 127.0.0.1.
//
// Recipe (what this test does, step by step):
//
//   1. On the build host, once: a GNUPGHOME holding only the public key, told never to start an agent of its own:
//        gpg --homedir H --import KEY.pub.asc
//        echo no-autostart >> H/gpg.conf
//        gpgconf --homedir H --kill gpg-agent   # an agent of H's would unlink the forwarded socket as its own
//      and find where its gpg looks for the agent:
//        gpgconf --homedir H --list-dirs agent-socket          # e.g. H/S.gpg-agent
//   2. The build host's sshd lets a remote Unix socket replace a stale one (sshd_config):
//        AllowStreamLocalForwarding remote
//        StreamLocalBindUnlink yes
//   3. On the key holder's side, the supervisor's COMMAND is the ssh connection; the proxy's socket is only known
//      inside the job ($GPG_GATE_AGENT_SOCKET), so a shell expands it:
//        gpg-gate run --agent-gate --gnupghome KEYHOME --no-shim --on-commit HOOK --journal J -- \
//          sh -c 'exec ssh -T -o ExitOnForwardFailure=yes \
//                   -R H/S.gpg-agent:"$GPG_GATE_AGENT_SOCKET" BUILDHOST "GNUPGHOME=H gpg --detach-sign …"'
//   4. The remote gpg's PKSIGN is held in the supervisor until HOOK commits; the journal (J) and the commit step stay
//      with the key holder; the signature is made by KEYHOME's gpg-agent and lands on the build host.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanEnv, killAgent, makeEmptyGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';
import { SSHD, startSshd, type Sshd } from '../helpers/sshd.js';
import { journalViolations } from '../reliability/journal-truth.js';
import { afterJob, agentJobDir, indexOf, readText, startAgentJob, type AgentJobDir } from './support/killable-job.js';

const DATA = 'a payload signed on the far side of ssh, with the key on this side\n';
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

let j: AgentJobDir;
let sshd: Sshd | undefined;
let remoteHome: GnupgHome;

beforeAll(() => {
  j = agentJobDir('gpg-gate-agent-ssh-');
  // The build host's GNUPGHOME: the public key only, no agent of its own.
  remoteHome = makeEmptyGnupgHome();
  const gpg = (...args: string[]) =>
    execFileSync('gpg', ['--homedir', remoteHome.dir, '--batch', ...args], { env: cleanEnv(), stdio: 'ignore' });
  gpg('--import', j.keyHome.keys.ed25519.publicFile);
  appendFileSync(join(remoteHome.dir, 'gpg.conf'), 'no-autostart\n');
  // The import started an agent there: gone, or it would unlink the forwarded socket as its own when it exits.
  killAgent(remoteHome.dir);
});
afterAll(async () => {
  await sshd?.stop();
  remoteHome.cleanup();
  j.cleanup();
});

it('a remote gpg --detach-sign through ssh -R to the proxy: held for the hook, signed, verified, journaled', async (ctx) => {
  requireTool(ctx, SSHD, 'the remote build host');
  requireTool(ctx, 'ssh', 'reaches the remote build host');
  requireTool(ctx, 'ssh-keygen', 'makes throwaway host and user keys');
  sshd = await startSshd(j.path('sshd'));
  const remote = j.path('remote');
  mkdirSync(remote, { mode: 0o700 });
  writeFileSync(join(remote, 'data'), DATA);
  const agentSocket = execFileSync('gpgconf', ['--homedir', remoteHome.dir, '--list-dirs', 'agent-socket'], {
    encoding: 'utf8',
  }).trim();
  // The hook, on the key holder's side: has the remote file any signature in it yet? Has the agent signed?
  writeFileSync(
    j.path('hook.sh'),
    [
      'cat > hook.stdin',
      `if [ -s ${quote(join(remote, 'data.asc'))} ]; then echo signature; else echo none; fi > hook.remote-file`,
      `grep -c '<- PKSIGN' ${quote(j.log.path)} > hook.pksigns-seen || true`,
      'exit 0',
    ].join('\n') + '\n',
  );
  const script = `cd ${quote(remote)} && GNUPGHOME=${quote(remoteHome.dir)} gpg --detach-sign --armor -u ${j.fpr} data`;
  const ssh = [
    'ssh',
    ...sshd.sshArgs('-T', '-o', 'ExitOnForwardFailure=yes'),
    '-R',
    `${quote(agentSocket)}:"$GPG_GATE_AGENT_SOCKET"`,
    sshd.destination,
    quote(script),
  ];
  const mark = j.log.mark();
  const started = Date.now();
  const r = await startAgentJob(j, `sh ${j.path('hook.sh')}`, ['sh', '-c', `exec ${ssh.join(' ')}`]).done;
  console.info(`[agent gate over ssh] exit ${r.code} in ${Date.now() - started} ms`);
  expect(r.code, `${r.stderr}\n${sshd.log()}`).toBe(0);

  // Held: when the hook ran, the remote side had no signature and the agent had made none.
  expect(readText(j, 'hook.remote-file')).toBe('none');
  expect(readText(j, 'hook.pksigns-seen')).toBe('0');
  const signature = join(remote, 'data.asc');
  expect(readFileSync(signature, 'utf8')).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);
  const verify = execFileSync('gpg', ['--batch', '--status-fd', '1', '--verify', signature, join(remote, 'data')], {
    env: j.keyHome.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  expect(verify).toMatch(new RegExp(`^\\[GNUPG:\\] VALIDSIG ${j.fpr} `, 'm'));

  const after = await afterJob(j, mark);
  expect(after.agentSignatures).toBe(1);
  const requested = after.records.find((x) => x.event === 'sign-requested');
  // gpg's SETHASH digest is of the data plus the signature's trailer, so it is not the file's sha256: only its form.
  expect(requested).toMatchObject({
    request: {
      type: 'agent-pksign',
      keygrip: expect.stringMatching(/^[0-9A-F]{40}$/) as unknown,
      digest: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
    },
  });
  expect(indexOf(after.records, 'committed')).toBeGreaterThan(indexOf(after.records, 'commit-requested'));
  expect(indexOf(after.records, 'sign-approved')).toBeGreaterThan(indexOf(after.records, 'committed'));
  const signed = after.records.filter((x) => x.event === 'signed');
  expect(signed).toMatchObject([{ exit: 0, outputSha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown }]);
  expect(after.records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded', signatures: 1 });
  expect(after.status).toMatchObject({ committed: 'yes', outcome: 'succeeded' });
  expect(journalViolations(after.records)).toEqual([]);
  // The journal's digest is not the file's (the agent returns an S-expression gpg then packs): they must differ.
  expect(signed[0]?.outputSha256).not.toBe(createHash('sha256').update(readFileSync(signature)).digest('hex'));
});

// gpgsm (X.509, CMS) signs through the same gpg-agent PKSIGN, so the agent gate holds it too: a self-signed certificate
// for the RSA test key, made in the key holder's home, reaches the job's home with the copied keybox; the job's gpgsm
// signs only after the commit step, and not at all when the step refuses.
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, readRecords, tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv, makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';

describe('gpgsm under --agent-gate', () => {
  let t: TempDir;
  let keyHome: GnupgHome;
  let cert = '';

  const gpgsm = (args: string[], input = '') =>
    execFileSync('gpgsm', ['--batch', ...args], { env: keyHome.env, input, encoding: 'utf8', stdio: 'pipe' });

  beforeAll(() => {
    t = tempDir('gpg-gate-agent-gpgsm-');
    keyHome = makeGnupgHome(['rsa3072']);
    const colons = execFileSync('gpg', ['--batch', '--with-colons', '--with-keygrip', '-K'], {
      env: keyHome.env,
      encoding: 'utf8',
    });
    const keygrip = /^grp:+([0-9A-F]{40}):/m.exec(colons)?.[1] ?? '';
    // A local test root: no CRLs to fetch, the certificate trusted by the key holder's agent (trustlist.txt).
    writeFileSync(`${keyHome.dir}/gpgsm.conf`, 'disable-crl-checks\n');
    const params = [
      'Key-Type: RSA',
      `Key-Grip: ${keygrip}`,
      'Key-Usage: sign',
      // A serial number makes gpgsm issue a self-signed certificate rather than a request.
      'Serial: random',
      'Name-DN: CN=gpg-gate test,O=example.invalid',
      'Not-Before: 2026-01-01',
      'Not-After: 2036-01-01',
      '%commit',
    ].join('\n');
    writeFileSync(t.path('params'), params + '\n');
    gpgsm(['--output', t.path('cert.der'), '--gen-key', t.path('params')]);
    gpgsm(['--import', t.path('cert.der')]);
    cert = /^fpr:+([0-9A-F]{40}):/m.exec(gpgsm(['--with-colons', '-K']))?.[1] ?? '';
    writeFileSync(`${keyHome.dir}/trustlist.txt`, `${cert} S\n`);
    writeFileSync(t.path('data'), 'a CMS-signed payload\n');
  });
  afterAll(() => {
    keyHome.cleanup();
    t.cleanup();
  });

  function job(hookExit: number, name: string) {
    const out = t.path(`${name}.p7s`);
    // At the commitment point the output holds no signature yet (gpgsm writes it after PKSIGN).
    const hook = `test ! -s ${out} && exit ${hookExit}`;
    const r = spawnSync(
      process.execPath,
      [CLI, 'run', '--quiet', '--agent-gate', '--no-shim', '--gnupghome', keyHome.dir, '--on-commit', hook]
        .concat(['--journal', t.path(`${name}.jsonl`), '--'])
        .concat(['sh', '-c', `gpgsm --batch -u ${cert} --detach-sign -o ${out} ${t.path('data')}`]),
      { env: cleanEnv(), encoding: 'utf8' },
    );
    return { r, out, records: readRecords(t.path(`${name}.jsonl`)) };
  }

  it('signs after the commit step; the signature verifies with the key holder', (ctx) => {
    requireTool(ctx, 'gpgsm', 'X.509 signing through gpg-agent');
    expect(cert).toMatch(/^[0-9A-F]{40}$/);
    const { r, out, records } = job(0, 'ok');
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(out).size).toBeGreaterThan(0);
    const verify = spawnSync('gpgsm', ['--batch', '--verify', out, t.path('data')], { env: keyHome.env });
    expect(verify.status, verify.stderr.toString()).toBe(0);
    const events = records.map((e) => e.event);
    expect(events.filter((e) => e === 'committed')).toHaveLength(1);
    expect(events.indexOf('committed')).toBeLessThan(events.indexOf('sign-approved'));
    const requests = records.flatMap((e) => (e.event === 'sign-requested' ? [e.request] : []));
    expect(requests.map((q) => q.type)).toEqual(['agent-pksign']);
    expect(records.flatMap((e) => (e.event === 'signed' ? [e.exit] : []))).toEqual([0]);
  });

  it('makes no signature when the commit step refuses', (ctx) => {
    requireTool(ctx, 'gpgsm', 'X.509 signing through gpg-agent');
    const { r, out, records } = job(77, 'refused');
    expect(r.status).toBe(75);
    // gpgsm leaves what it streamed before the signature (the CMS header): it is not a signature.
    const verify = spawnSync('gpgsm', ['--batch', '--verify', out, t.path('data')], { env: keyHome.env });
    expect(verify.status).not.toBe(0);
    expect(verify.stderr.toString()).not.toMatch(/Good signature/);
    expect(records.map((e) => e.event)).toContain('commit-refused');
    expect(records.map((e) => e.event)).not.toContain('signed');
  });
});

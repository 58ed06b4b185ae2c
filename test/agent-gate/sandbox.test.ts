// The README's sandbox recipe for the agent gate, run as written: the supervisor holds the key's home, the build runs
// in bubblewrap with only the job's 0700 directory (its GNUPGHOME and the proxy's socket) bound in, at the same path.
// Inside, /usr/bin/gpg and git sign through the proxy; the key holder's home is out of reach.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../harness/records.js';
import { readRecords, runGate, tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv, makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';

// The recipe's shell, with the inside's command as $1: the job's directory is bound at its own path.
const RECIPE = `d=$(dirname "$GNUPGHOME")
exec bwrap --die-with-parent --unshare-pid --unshare-net --cap-drop ALL --ro-bind /usr /usr \\
  --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp \\
  --bind "$d" "$d" --bind "$PWD" /build --chdir /build --setenv HOME /build \\
  -- sh -c "$1"`;

describe('the agent gate around a bubblewrap sandbox (README recipe)', () => {
  let t: TempDir;
  let keyHome: GnupgHome;

  beforeAll(() => {
    t = tempDir('gpg-gate-agent-sandbox-');
    keyHome = makeGnupgHome(['ed25519']);
    mkdirSync(t.path('build'));
    writeFileSync(t.path('build', 'data'), 'release 1.0\n');
  });
  afterAll(() => {
    keyHome.cleanup();
    t.cleanup();
  });

  it('signs inside through the proxy, after the commit step, and the key home stays out of reach', async (ctx) => {
    requireTool(ctx, 'bwrap', 'the sandbox of the recipe');
    const fpr = keyHome.keys.ed25519.fingerprint;
    const colons = execFileSync('gpg', ['--batch', '--with-colons', '--with-keygrip', '-K', fpr], {
      env: keyHome.env,
      encoding: 'utf8',
    });
    const keygrip = /^grp:+([0-9A-F]{40}):/m.exec(colons)?.[1] ?? '';
    expect(keygrip).toMatch(/^[0-9A-F]{40}$/);
    const inside = [
      // What the build can see of the key holder: nothing.
      `if test -e ${keyHome.dir}; then echo KEYHOME-VISIBLE; fi`,
      `/usr/bin/gpg --batch -u ${fpr} --detach-sign --armor -o data.asc data`,
      'git init -q repo && cd repo && git config user.email b@example.invalid && git config user.name b',
      `git -c gpg.program=/usr/bin/gpg commit -q --allow-empty -S${fpr} -m signed`,
      // A command the gate refuses, from inside: the key cannot be exported.
      `gpg-connect-agent 'EXPORT_KEY ${keygrip}' /bye`,
    ].join(' && ');
    const journal = t.path('j.jsonl');
    const r = await runGate(
      [
        'run',
        '--agent-gate',
        '--no-shim',
        '--gnupghome',
        keyHome.dir,
        '--on-commit',
        `test ! -s ${t.path('build', 'data.asc')}`,
        '--journal',
        journal,
        '--',
        'sh',
        '-c',
        RECIPE,
        'sh',
        inside,
      ],
      { cwd: t.path('build'), env: cleanEnv() },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('KEYHOME-VISIBLE');
    expect(r.stdout).toContain('ERR 67109115 Forbidden <GPG Agent>');
    // Both signatures verify with the key holder's public key, outside the sandbox.
    execFileSync('gpg', ['--batch', '--verify', t.path('build', 'data.asc'), t.path('build', 'data')], {
      env: keyHome.env,
      stdio: 'ignore',
    });
    const show = execFileSync('git', ['-C', t.path('build', 'repo'), 'log', '--format=%G?', '-1'], {
      env: keyHome.env,
      encoding: 'utf8',
    });
    expect(show.trim()).toBe('G');
    const records: JobRecord[] = readRecords(journal);
    const events = records.map((e) => e.event);
    expect(events.filter((e) => e === 'committed')).toHaveLength(1);
    expect(events.indexOf('committed')).toBeLessThan(events.indexOf('sign-approved'));
    const requests = records.flatMap((e) => (e.event === 'sign-requested' ? [e.request] : []));
    expect(requests.map((q) => q.type)).toEqual(['agent-pksign', 'agent-pksign']);
    const signed = records.flatMap((e) => (e.event === 'signed' ? [e.exit] : []));
    expect(signed).toEqual([0, 0]);
    const refused = records.flatMap((e) => (e.event === 'agent-refused' ? [e.command] : []));
    expect(refused).toContain('EXPORT_KEY');
    // The refusal is on record by name; its argument (the keygrip) is not.
    const refusals = records.filter((e) => e.event === 'agent-refused');
    expect(JSON.stringify(refusals)).not.toContain(keygrip);
  });
});

// With /run/user/UID present, gpg puts a non-default home's sockets in /run/user/UID/gnupg/d.HASH, not in the home:
// the redirect must be there. A private mount namespace gives this test its own /run/user (a tmpfs), so no other test
// sees it.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, readRecords, tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv, makeGnupgHome, type GnupgHome } from '../helpers/gnupg-home.js';
import { requireRoot, requireTool } from '../helpers/require-tool.js';

describe('the agent gate under /run/user/UID', () => {
  let t: TempDir;
  let keyHome: GnupgHome;

  beforeAll(() => {
    t = tempDir('gpg-gate-run-user-');
    keyHome = makeGnupgHome(['ed25519']);
  });
  afterAll(() => {
    keyHome.cleanup();
    t.cleanup();
  });

  it('puts the redirect in the socket directory gpgconf names, signs through it, and removes that directory', (ctx) => {
    requireRoot(ctx, 'a tmpfs on /run/user in a private mount namespace');
    requireTool(ctx, 'unshare', 'a private mount namespace');
    const uid = process.getuid?.() ?? 0;
    const inside = [
      'gpgconf --list-dirs agent-socket > socket-path',
      'cp "$(cat socket-path)" redirect',
      `echo data | /usr/bin/gpg --batch -u ${keyHome.keys.ed25519.fingerprint} --detach-sign -o data.sig`,
    ].join(' && ');
    writeFileSync(
      t.path('ns.sh'),
      [
        'set -e',
        'mount -t tmpfs -o mode=755 tmpfs /run/user',
        `mkdir -m 700 /run/user/${uid}`,
        // The key holder's agent starts in here too (its sockets under this /run/user): stopped before we leave.
        'trap \'gpgconf --homedir "$KEYHOME" --kill gpg-agent\' EXIT',
        `"${process.execPath}" "${CLI}" run --quiet --agent-gate --no-shim --gnupghome "$KEYHOME" --auto-commit ` +
          `--journal j.jsonl -- sh -c '${inside}'`,
        `ls /run/user/${uid}/gnupg > left`,
      ].join('\n'),
    );
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', t.path('ns.sh')], {
      cwd: t.dir,
      env: cleanEnv({ KEYHOME: keyHome.dir }),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const socketPath = readFileSync(t.path('socket-path'), 'utf8').trim();
    expect(socketPath).toMatch(new RegExp(`^/run/user/${uid}/gnupg/d\\.[a-z0-9]+/S\\.gpg-agent$`));
    expect(readFileSync(t.path('redirect'), 'utf8')).toMatch(/^%Assuan%\nsocket=\/.*\/S\.gpg-agent\n$/);
    const verify = spawnSync('gpg', ['--batch', '--verify', t.path('data.sig'), '-'], {
      env: keyHome.env,
      input: 'data\n',
    });
    expect(verify.status).toBe(0);
    expect(readRecords(t.path('j.jsonl')).filter((e) => e.event === 'signed')).toHaveLength(1);
    // Only the key holder's own socket directory is left: the job's was removed with its redirect.
    const jobDir = socketPath.split('/').at(-2) ?? '';
    expect(readFileSync(t.path('left'), 'utf8').split('\n')).not.toContain(jobDir);
  });
});

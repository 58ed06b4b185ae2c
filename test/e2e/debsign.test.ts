// debsign signs a real source-only upload (.dsc, .buildinfo, .changes from dpkg-source / dpkg-genbuildinfo /
// dpkg-genchanges) through the gate: it finds `gpg` on PATH, asks `gpg --version` (passed through), then clearsigns
// each file; the commit step runs once, at the .dsc; gpgv with an exported keyring accepts all three files.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '../helpers/gate-run.js';
import { cleanEnv } from '../helpers/gnupg-home.js';
import { requireTool } from '../helpers/require-tool.js';
import { testKeys } from '../helpers/test-keys.js';
import { debsignArgv, signedFileChecksum } from './support/debsign.js';
import { buildSourcePackage } from './support/debian-source.js';
import { explain, requestBackends, runJob } from './support/gate-job.js';
import { exportKeyring, gpgv, validSigner } from './support/gpgv.js';
import { signingModes, type SigningSetup } from './support/signing-modes.js';

describe.each(signingModes())('debsign under gpg-gate run, $name', ({ setup: makeSetup }) => {
  const key = testKeys().ed25519;
  let t: TempDir;
  let setup: SigningSetup;

  beforeAll(() => {
    t = tempDir('gpg-gate-e2e-debsign-');
    setup = makeSetup();
  });
  afterAll(() => {
    setup.cleanup();
    t.cleanup();
  });

  it('debsign -kKEY signs .dsc, .buildinfo, .changes in one job; gpgv accepts each', async (ctx) => {
    requireTool(ctx, 'debsign', 'signs the upload');
    requireTool(ctx, 'dpkg-source', 'builds the source package');
    requireTool(ctx, 'gpgv', 'verifies the signed files');
    const pkg = buildSourcePackage(t.dir, key.userId);
    const unsignedDsc = readFileSync(pkg.dsc);
    const r = await runJob({
      dir: t.dir,
      name: 'debsign',
      command: ['debsign', '--no-conf', `-k${key.fingerprint}`, basename(pkg.changes)],
      cwd: pkg.dir,
      setup,
      env: cleanEnv({ HOME: t.dir }),
    });
    expect(r.code, explain(r)).toBe(0);
    expect(r.status.outcome).toBe('succeeded');

    // What debsign really ran: `gpg --version` before each file, then the clearsign call (docs/design.md, "Facts about gpg and its callers").
    const files = [pkg.dsc, pkg.buildinfo, pkg.changes].map((f) => basename(f));
    expect(r.gpgCalls.map((c) => [c.argv, c.decision])).toEqual(
      files.flatMap((f) => [
        [['--version'], 'passthrough'],
        [debsignArgv(key.fingerprint, f), 'proceed'],
      ]),
    );

    // The commit step once, at the .dsc; the journal lists the three signatures in debsign's order.
    expect(r.hookCalls).toHaveLength(1);
    // Who signed: the shim's gnupg backend, or the supervisor (the command's GNUPGHOME has no secret key).
    expect(requestBackends(r)).toEqual(Array<string>(3).fill(setup.requestBackend));
    expect(r.hookCalls[0]).toMatchObject({
      job: r.job,
      attempt: 1,
      request: { argv: debsignArgv(key.fingerprint, files[0]!) },
    });
    expect(r.status.signatures.map((s) => [s.argv, s.state])).toEqual(
      files.map((f) => [debsignArgv(key.fingerprint, f), 'signed']),
    );

    // debsign signs a temporary copy with one newline appended: that copy is what the gate hashed.
    expect(r.status.signatures[0]?.sha256).toBe(
      createHash('sha256')
        .update(Buffer.concat([unsignedDsc, Buffer.from('\n')]))
        .digest('hex'),
    );

    const keyring = exportKeyring(setup.signingHome, t.path('keyring.gpg'));
    for (const file of [pkg.dsc, pkg.buildinfo, pkg.changes]) {
      expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\n/);
      const v = gpgv(keyring, [file], cleanEnv());
      expect(validSigner(v), `${basename(file)}: ${v.stderr}`).toBe(key.fingerprint);
    }
    // After signing the .dsc, debsign rewrote the .changes to list the signed .dsc: the set is consistent.
    expect(signedFileChecksum(pkg.changes, basename(pkg.dsc))).toBe(
      createHash('sha256').update(readFileSync(pkg.dsc)).digest('hex'),
    );
  });
});

// Signatures per second of the supervisor's signers (--sign-in-supervisor), as a warm supervisor sees them: the
// openpgp signer with its keys read and unlocked once, against the gnupg signer spawning gpg for each signature.
// Each signature is a detached, armored one over a small spooled payload, written to a file, as in a real exchange.
// The socket and the shim are left out: this is the signer's part only. The lead's bench runner calls this.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GnupgSigner } from '../harness/signer/gnupg-signer.js';
import { OpenpgpSigner } from '../harness/signer/openpgp-signer.js';
import type { SignatureSpec, Signer } from '../harness/signer/signer.js';

export interface SupervisorSignBench {
  backend: 'gnupg' | 'openpgp';
  /** gnupg: a GNUPGHOME holding the key. */
  gnupghome?: string;
  /** openpgp: the secret key file, and its passphrase if protected. */
  keyFile?: string;
  passphrase?: string | null;
  /** gpg's passphrase file for a protected key in the GNUPGHOME. */
  passphraseFile?: string | null;
  localUser: string | null;
  /** How many signatures (the benchmark issue asks for 200). */
  signatures: number;
  payloadBytes?: number;
}

export interface SupervisorSignResult {
  backend: 'gnupg' | 'openpgp';
  signatures: number;
  seconds: number;
  perSecond: number;
}

export async function benchSupervisorSign(o: SupervisorSignBench): Promise<SupervisorSignResult> {
  const signer: Signer =
    o.backend === 'openpgp'
      ? await OpenpgpSigner.open({ keyFile: o.keyFile ?? '', passphrase: o.passphrase ?? null })
      : await GnupgSigner.open({ gnupghome: o.gnupghome ?? '', passphraseFile: o.passphraseFile ?? null });
  const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-bench-'));
  try {
    const data = join(dir, 'payload');
    const size = o.payloadBytes ?? 256;
    writeFileSync(data, Buffer.alloc(size, 0x61));
    const spec: SignatureSpec = {
      mode: 'detach',
      armor: true,
      textmode: false,
      localUsers: o.localUser === null ? [] : [o.localUser],
      digestAlgo: null,
      literalName: 'payload',
      fromStdin: false,
      size,
      inputName: 'payload',
      outputName: 'payload.asc',
    };
    let n = 0;
    const once = async () => {
      const output = join(dir, `out-${n++}`);
      const r = await signer.sign({ data, output }, spec);
      if (r.exit !== 0) throw new Error(`the ${o.backend} signer failed: ${r.stderr}`);
      rmSync(output);
    };
    await once(); // warm-up: the gpg-agent started, key validity checked, JIT
    const start = performance.now();
    for (let i = 0; i < o.signatures; i++) await once();
    const seconds = (performance.now() - start) / 1000;
    return { backend: o.backend, signatures: o.signatures, seconds, perSecond: o.signatures / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

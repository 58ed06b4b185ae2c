// Signatures per second of the openpgp signing core, as a warm process (the supervisor's signer) sees it: keys read
// and unlocked once, then one detached signature per call over a small payload. The lead's bench runner calls this.
import { readFileSync } from 'node:fs';
import * as openpgp from 'openpgp';
import { loadKeyRing, provideOpenpgp, signWithKeyRing, type DataSigningInput } from '../openpgp-core/index.js';

export interface OpenpgpSignBench {
  keyFile: string;
  localUser: string | null;
  /** How long to sign for. */
  seconds: number;
  payloadBytes?: number;
  mode?: DataSigningInput['mode'];
  armor?: boolean;
}

export interface OpenpgpSignResult {
  signatures: number;
  seconds: number;
  perSecond: number;
}

export async function benchOpenpgpSign(o: OpenpgpSignBench): Promise<OpenpgpSignResult> {
  provideOpenpgp(openpgp);
  const ring = await loadKeyRing(readFileSync(o.keyFile));
  const payload = Buffer.alloc(o.payloadBytes ?? 256, 0x61);
  const request: DataSigningInput = {
    mode: o.mode ?? 'detach',
    armor: o.armor ?? true,
    textmode: false,
    digestAlgo: null,
    localUsers: o.localUser === null ? [] : [o.localUser],
    clock: () => new Date(Math.floor(Date.now() / 1000) * 1000),
    literalName: new Uint8Array(0),
    literalSize: null,
  };
  const quiet = { status: () => undefined, info: () => undefined, error: () => undefined };
  const once = () =>
    signWithKeyRing(
      ring,
      request,
      { pinentryMode: null, batch: true, passphrase: null },
      { source: { open: () => [payload] }, openOutput: () => () => Promise.resolve(), reporter: quiet },
    );
  await once(); // warm-up: key validity checks, JIT
  const start = performance.now();
  const deadline = start + o.seconds * 1000;
  let signatures = 0;
  while (performance.now() < deadline) {
    await once();
    signatures++;
  }
  const seconds = (performance.now() - start) / 1000;
  return { signatures, seconds, perSecond: signatures / seconds };
}

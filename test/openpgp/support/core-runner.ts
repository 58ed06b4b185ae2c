// Runs the openpgp signing core in-process the way the shim's backend does, collecting what it reports.
import * as openpgp from 'openpgp';
import {
  loadKeyRing,
  makeClock,
  parseFakedTime,
  provideOpenpgp,
  signWithKeyRing,
  SigningError,
  type KeyRing,
  type DataSignMode,
} from '../../../openpgp-core/index.js';

export interface CoreRun {
  code: number;
  output: Buffer;
  status: string[];
  log: string[];
  error: SigningError | null;
}

export interface CoreCase {
  mode: DataSignMode;
  armor?: boolean;
  textmode?: boolean;
  localUsers?: string[];
  digestAlgo?: string | null;
  personalDigest?: string | null;
  data: string | Buffer;
  /** Faked time in seconds (frozen, like gpg's `--faked-system-time N!`). */
  time: number;
  passphrase?: string | null;
  pinentryMode?: string | null;
  batch?: boolean;
  literalName?: string;
  literalSize?: number | null;
}

provideOpenpgp(openpgp);

const rings = new Map<string, Promise<KeyRing>>();

export function ringOf(armored: string): Promise<KeyRing> {
  let ring = rings.get(armored);
  if (!ring) {
    ring = loadKeyRing(armored);
    rings.set(armored, ring);
  }
  return ring;
}

export async function runCore(armoredKeys: string, c: CoreCase): Promise<CoreRun> {
  // A fresh parse per run: unlocking decrypts key packets in place.
  const ring = c.passphrase !== undefined ? await loadKeyRing(armoredKeys) : await ringOf(armoredKeys);
  const status: string[] = [];
  const log: string[] = [];
  const chunks: Buffer[] = [];
  let errorLogged = false;
  const data = typeof c.data === 'string' ? Buffer.from(c.data) : c.data;
  try {
    await signWithKeyRing(
      ring,
      {
        mode: c.mode,
        armor: c.armor ?? false,
        textmode: c.textmode ?? false,
        digestAlgo: c.digestAlgo ?? null,
        personalDigest: c.personalDigest ?? null,
        localUsers: c.localUsers ?? [],
        clock: makeClock(parseFakedTime(`${c.time}!`)),
        literalName: Buffer.from(c.literalName ?? ''),
        literalSize: c.literalSize ?? null,
      },
      { pinentryMode: c.pinentryMode ?? null, batch: c.batch ?? true, passphrase: c.passphrase ?? null },
      {
        source: { open: () => [data] },
        openOutput: () => (chunk) => {
          chunks.push(Buffer.from(chunk));
          return Promise.resolve();
        },
        reporter: {
          status: (line) => status.push(line),
          info: (m) => log.push(m),
          error: (m) => {
            errorLogged = true;
            log.push(m);
          },
        },
      },
    );
    return { code: errorLogged ? 2 : 0, output: Buffer.concat(chunks), status, log, error: null };
  } catch (err) {
    if (!(err instanceof SigningError)) throw err;
    log.push(...err.gpg.log);
    if (err.gpg.failure) status.push(`FAILURE ${err.gpg.failure}`);
    if (err.gpg.reason) log.push(`signing failed: ${err.gpg.reason}`);
    return { code: 2, output: Buffer.alloc(0), status, log, error: err };
  }
}

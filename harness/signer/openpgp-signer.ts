// The openpgp signer: openpgp.js in the warm supervisor process, with the keys read and unlocked once at start-up and
// held in memory, signing through the same core as the shim's openpgp backend (same packets, status lines, messages).
import {
  closeSync,
  createReadStream,
  createWriteStream,
  openSync,
  readFileSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { once } from 'node:events';
import {
  loadKeyRing,
  makeClock,
  OutputBuffer,
  provideOpenpgp,
  SigningError,
  signWithKeyRing,
  wholeSource,
  type DataSource,
  type KeyRing,
  type Reporter,
  type Sink,
} from '../../openpgp-core/index.js';
import { HarnessError, describeError } from '../harness-error.js';
import type { SignatureOutcome, SignatureSpec, Signer, SignInput } from './signer.js';
import { GPG_ERROR } from '../../common/gpg-errors.js';

const READ_CHUNK = 1024 * 1024;
/** Data up to this size is read whole and its signature made in memory and written at once (see memory-io.ts). */
export const WHOLE_BYTES = 1024 * 1024;

export interface OpenpgpSignerOptions {
  /** The operator's armored (or binary) secret key file. */
  keyFile: string;
  /** Its passphrase, if it is protected (first line of --passphrase-file). */
  passphrase: string | null;
  /** gpg's clock; default: the real time. The tests freeze it to compare outputs byte for byte. */
  clock?: () => Date;
  /** Inputs up to this many bytes are signed in memory, larger ones streamed; default WHOLE_BYTES. */
  wholeBytes?: number;
}

/** The output file, once the core has opened it: written through sink, then finished or discarded. */
interface Output {
  sink: Sink;
  finish(): Promise<void>;
  discard(): void;
}

// A new file (exclusive create, 0600), written with back-pressure as the output streams out. Created before the core
// goes on, so that a file that cannot be created fails where gpg would check (and where the buffered output fails).
async function streamedOutput(path: string): Promise<Output> {
  const stream: WriteStream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  stream.on('error', () => undefined); // surfaced by the writes and finish() below
  await once(stream, 'open');
  return {
    sink: async (chunk) => {
      if (stream.errored) throw stream.errored;
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    async finish() {
      stream.end();
      await once(stream, 'close');
      if (stream.errored) throw stream.errored;
    },
    discard: () => void stream.destroy(),
  };
}

// The same file, created when the core opens its output, and the whole output written at the end. Synchronous: for
// a small file in the supervisor's own directory, a system call costs less than a round trip to the thread pool.
function bufferedOutput(path: string): Output {
  const fd = openSync(path, 'wx', 0o600);
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  const buffer = new OutputBuffer();
  return {
    sink: buffer.sink,
    finish() {
      try {
        writeFileSync(fd, buffer.bytes());
      } finally {
        close();
      }
      return Promise.resolve();
    },
    discard: close,
  };
}

/** gpg records a definite literal length only for binary data from a named file (not stdin, not text mode). */
function literalSize(spec: SignatureSpec): number | null {
  if (spec.mode !== 'inline' || spec.textmode || spec.fromStdin) return null;
  return spec.size > 0 && spec.size < 0xffffffff - 65536 ? spec.size : null;
}

/** Decrypts every protected secret (sub)key packet in place, so that no signature ever needs a passphrase. */
async function unlock(ring: KeyRing, passphrase: string | null, keyFile: string): Promise<void> {
  for (const key of ring.keys) {
    for (const k of key.getKeys()) {
      const packet = k.keyPacket as {
        isDecrypted?(): boolean;
        isDummy?(): boolean;
        decrypt?(p: string): Promise<void>;
      };
      if (!packet.decrypt || !packet.isDecrypted || packet.isDecrypted() || packet.isDummy?.()) continue;
      if (passphrase === null) {
        throw new HarnessError('usage', `--key ${keyFile} is protected by a passphrase: give --passphrase-file`);
      }
      try {
        await packet.decrypt(passphrase);
      } catch (err) {
        throw new HarnessError('usage', `--key ${keyFile}: cannot unlock the key (${describeError(err)})`, {
          cause: err,
        });
      }
    }
  }
}

export class OpenpgpSigner implements Signer {
  readonly backend = 'openpgp' as const;

  private constructor(
    private readonly ring: KeyRing,
    private readonly clock: () => Date,
    private readonly wholeBytes: number,
  ) {}

  /** Loads openpgp.js, reads and unlocks the keys. Throws HarnessError('usage') for a key it cannot use. */
  static async open(options: OpenpgpSignerOptions): Promise<OpenpgpSigner> {
    // The ES module build of openpgp.js, which is what the supervisor's ES module bundle can load (see core/openpgp.ts).
    provideOpenpgp(await import('openpgp'));
    let data: Buffer;
    try {
      data = readFileSync(options.keyFile);
    } catch (err) {
      throw new HarnessError('usage', `cannot read --key ${options.keyFile}: ${describeError(err)}`, { cause: err });
    }
    let ring: KeyRing;
    try {
      ring = await loadKeyRing(data);
    } catch (err) {
      throw new HarnessError('usage', `--key ${options.keyFile}: ${describeError(err)}`, { cause: err });
    }
    await unlock(ring, options.passphrase, options.keyFile);
    return new OpenpgpSigner(ring, options.clock ?? makeClock(null), options.wholeBytes ?? WHOLE_BYTES);
  }

  async sign(input: SignInput, spec: SignatureSpec): Promise<SignatureOutcome> {
    const status: string[] = [];
    const log: string[] = [];
    let errorLogged = false;
    const reporter: Reporter = {
      status: (line) => void status.push(`[GNUPG:] ${line}`),
      info: (message) => void log.push(`gpg: ${message}`),
      error(message) {
        errorLogged = true;
        log.push(`gpg: ${message}`);
      },
    };
    const whole = spec.size <= this.wholeBytes;
    const source: DataSource = whole
      ? wholeSource(() => readFileSync(input.data))
      : { open: () => createReadStream(input.data, { highWaterMark: READ_CHUNK }) };
    let output: Output | null = null;
    try {
      await signWithKeyRing(
        this.ring,
        {
          mode: spec.mode,
          armor: spec.armor,
          textmode: spec.textmode,
          digestAlgo: spec.digestAlgo,
          localUsers: spec.localUsers,
          clock: this.clock,
          literalName: Buffer.from(spec.literalName, 'utf8'),
          literalSize: literalSize(spec),
        },
        // The keys were unlocked at start-up; a key that still needs a passphrase fails as gpg in batch mode would.
        { pinentryMode: 'loopback', batch: true, passphrase: null },
        {
          source,
          openOutput: async () => {
            output = whole ? bufferedOutput(input.output) : await streamedOutput(input.output);
            return output.sink;
          },
          reporter,
        },
      );
      const done = output as Output | null;
      if (done) await done.finish();
      return { exit: errorLogged ? 2 : 0, status, stderr: lines(log), output: done ? input.output : null };
    } catch (err) {
      (output as Output | null)?.discard();
      const e =
        err instanceof SigningError
          ? err
          : new SigningError('io', `gpg-gate (openpgp signer): ${describeError(err)}`, {
              log: [`gpg-gate (openpgp signer): ${describeError(err)}`],
              failure: `sign ${GPG_ERROR.general}`,
              reason: 'General error',
            });
      for (const line of e.gpg.log) log.push(`gpg: ${line}`);
      if (e.gpg.failure !== null) status.push(`[GNUPG:] FAILURE ${e.gpg.failure}`);
      if (e.gpg.reason !== null) log.push(`gpg: signing failed: ${e.gpg.reason}`);
      return { exit: 2, status, stderr: lines(log), output: null };
    }
  }
}

function lines(log: readonly string[]): string {
  return log.map((l) => `${l}\n`).join('');
}

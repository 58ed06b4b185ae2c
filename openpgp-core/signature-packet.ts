// One v4 signature over data that was hashed as it streamed past, laid out as gpg lays it out (hashed: issuer
// fingerprint, creation time, signer's user ID; unhashed: issuer key ID), so that RSA and Ed25519 signatures are
// byte-identical to gpg's. openpgp.js does the public-key operation.
import type { Hash } from 'node:crypto';
import { openpgp, type OpenpgpLib, type SecretKeyPacket, type SecretSubkeyPacket } from './openpgp.js';
import { PK_EDDSA } from './digest-algo.js';
import { newLength, oldHeader, TAG } from './packets.js';

const SUBPACKET = { creationTime: 2, issuerKeyId: 16, signersUserId: 28, issuerFingerprint: 33 } as const;

function subpacket(type: number, body: Uint8Array): Buffer {
  return Buffer.concat([newLength(body.length + 1), Buffer.from([type]), body]);
}

function withLength2(body: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  return Buffer.concat([length, body]);
}

async function readAll(data: Uint8Array | ReadableStream<Uint8Array>): Promise<Buffer> {
  if (data instanceof Uint8Array) return Buffer.from(data);
  const chunks: Uint8Array[] = [];
  const reader = data.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    chunks.push(value);
  }
}

/**
 * A SignaturePacket whose data digest comes from a running node:crypto hash instead of openpgp.js reading the data:
 * openpgp.js would need the data as one stream per signature, and gpg's layout of the subpackets differs from its own.
 * `sign()` hands the signature's trailer (`toHash`) to `hash()`, which finishes the running digest with it.
 */
function definePrehashedSignaturePacket(lib: OpenpgpLib) {
  return class PrehashedSignaturePacket extends lib.SignaturePacket {
    constructor(
      readonly running: Hash,
      readonly hashed: Buffer,
      readonly unhashed: Buffer,
    ) {
      super();
    }

    writeHashedSubPackets(): Uint8Array {
      return withLength2(this.hashed);
    }

    writeUnhashedSubPackets(): Uint8Array {
      return withLength2(this.unhashed);
    }

    // Not in openpgp.js's public types; it is what sign() calls to digest `toHash` (empty data + the trailer).
    async hash(_type: unknown, _data: unknown, toHash: Uint8Array | ReadableStream<Uint8Array>): Promise<Uint8Array> {
      this.running.update(await readAll(toHash));
      return new Uint8Array(this.running.digest());
    }
  };
}

// The class depends on the openpgp.js module handed in; define it once per module.
const classes = new WeakMap<OpenpgpLib, ReturnType<typeof definePrehashedSignaturePacket>>();

function prehashedSignaturePacket(lib: OpenpgpLib): ReturnType<typeof definePrehashedSignaturePacket> {
  let cls = classes.get(lib);
  if (!cls) {
    cls = definePrehashedSignaturePacket(lib);
    classes.set(lib, cls);
  }
  return cls;
}

// The "data" openpgp.js sees: nothing. For RSA, as a stream: that makes openpgp.js sign the digest it gets from hash()
// rather than hashing a byte array itself (with WebCrypto, over the wrong bytes). EdDSA always signs that digest, and
// gets the bytes: a stream costs openpgp.js a chain of web streams per signature.
function emptyData(asStream: boolean): { text: null; getBytes: () => Uint8Array | ReadableStream<Uint8Array> } {
  return {
    text: null,
    getBytes: () =>
      asStream
        ? new ReadableStream<Uint8Array>({
            start(controller) {
              controller.close();
            },
          })
        : new Uint8Array(0),
  };
}

export interface SignatureParams {
  key: SecretKeyPacket | SecretSubkeyPacket;
  /** 0x00 binary, 0x01 text. */
  sigClass: number;
  hashAlgo: number;
  created: Date;
  /** The Signer's User ID subpacket (gpg adds it when -u matched a user ID with an address). */
  signersUserId: string | null;
}

/**
 * Finishes a signature over the data already fed to `running` (which this consumes) and returns the whole packet,
 * old-format header included.
 */
export async function makeSignaturePacket(running: Hash, p: SignatureParams): Promise<Buffer> {
  const created = Buffer.alloc(4);
  created.writeUInt32BE(Math.floor(p.created.getTime() / 1000));
  const fingerprint = p.key.getFingerprintBytes();
  if (!fingerprint) throw new Error('signing key without a fingerprint');
  const hashed = Buffer.concat([
    subpacket(SUBPACKET.issuerFingerprint, Buffer.concat([Buffer.from([4]), fingerprint])),
    subpacket(SUBPACKET.creationTime, created),
    ...(p.signersUserId === null ? [] : [subpacket(SUBPACKET.signersUserId, Buffer.from(p.signersUserId, 'utf8'))]),
  ]);
  const unhashed = subpacket(SUBPACKET.issuerKeyId, Buffer.from(p.key.getKeyID().toHex(), 'hex'));
  const lib = openpgp();
  const Packet = prehashedSignaturePacket(lib);
  const sig = new Packet(running, hashed, unhashed);
  const config = { ...lib.config, nonDeterministicSignaturesViaNotation: false };
  sig.signatureType = p.sigClass;
  sig.publicKeyAlgorithm = p.key.algorithm;
  sig.hashAlgorithm = p.hashAlgo;
  // openpgp.js's declared signature of sign() is narrower than what it accepts (any object with getBytes()).
  await (sig.sign as (k: unknown, d: unknown, date: Date, detached: boolean, c: unknown) => Promise<void>)(
    p.key,
    emptyData(Number(p.key.algorithm) !== PK_EDDSA),
    p.created,
    true,
    config,
  );
  const body = Buffer.from(sig.write());
  return Buffer.concat([oldHeader(TAG.signature, body.length), body]);
}

// OpenPGP packet framing written the way gpg 2.2 writes it (old-format headers for signatures and one-pass
// signatures, partial lengths for literal data of unknown length), so that outputs match gpg's packet for packet.

export const TAG = { signature: 2, onePassSignature: 4, compressed: 8, literal: 11 } as const;

/** Old-format header with the shortest length field gpg would pick (1, 2 or 4 octets). */
export function oldHeader(tag: number, length: number): Buffer {
  if (length < 0x100) return Buffer.from([0x80 | (tag << 2), length]);
  if (length < 0x10000) return Buffer.from([0x80 | (tag << 2) | 1, length >> 8, length & 0xff]);
  const h = Buffer.alloc(5);
  h[0] = 0x80 | (tag << 2) | 2;
  h.writeUInt32BE(length, 1);
  return h;
}

/** Old-format header of indeterminate length (gpg's compressed packets): the packet runs to the end of the data. */
export function indeterminateHeader(tag: number): Buffer {
  return Buffer.from([0x80 | (tag << 2) | 3]);
}

/** New-format length octets for a definite length. */
export function newLength(length: number): Buffer {
  if (length < 192) return Buffer.from([length]);
  if (length < 8384) {
    const n = length - 192;
    return Buffer.from([(n >> 8) + 192, n & 0xff]);
  }
  const b = Buffer.alloc(5);
  b[0] = 0xff;
  b.writeUInt32BE(length, 1);
  return b;
}

export function onePassSignature(
  sigClass: number,
  hashAlgo: number,
  pubkeyAlgo: number,
  keyId: Uint8Array,
  last: boolean,
): Buffer {
  const body = Buffer.concat([Buffer.from([3, sigClass, hashAlgo, pubkeyAlgo]), keyId, Buffer.from([last ? 1 : 0])]);
  return Buffer.concat([oldHeader(TAG.onePassSignature, body.length), body]);
}

/** The start of a literal data packet's body: format, file name, date. */
export function literalPrefix(format: 'b' | 't', name: Uint8Array, date: Date): Buffer {
  const t = Buffer.alloc(4);
  t.writeUInt32BE(Math.floor(date.getTime() / 1000));
  return Buffer.concat([Buffer.from([format.charCodeAt(0), name.length]), name, t]);
}

// Partial body chunks of 2^13 octets: powers of two as the format requires, and ≥ 512 for the first one.
const PARTIAL_BITS = 13;
const PARTIAL_SIZE = 1 << PARTIAL_BITS;

/**
 * Writes a new-format packet whose length is not known in advance, in partial body chunks, holding back at most one
 * chunk. `end()` writes the rest with a definite length (a packet shorter than one chunk is an ordinary packet).
 */
export class PartialPacketWriter {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private readonly header: Buffer;
  private started = false;

  constructor(
    tag: number,
    private readonly emit: (chunk: Buffer) => Promise<void>,
  ) {
    this.header = Buffer.from([0xc0 | tag]);
  }

  async write(data: Uint8Array): Promise<void> {
    let rest = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    while (this.pendingLength + rest.length >= PARTIAL_SIZE) {
      const take = PARTIAL_SIZE - this.pendingLength;
      const chunk = Buffer.concat([...this.pending, rest.subarray(0, take)]);
      rest = rest.subarray(take);
      this.pending = [];
      this.pendingLength = 0;
      await this.emit(Buffer.concat([this.start(), Buffer.from([0xe0 | PARTIAL_BITS]), chunk]));
    }
    if (rest.length > 0) {
      // Copy: the caller may reuse its buffer.
      this.pending.push(Buffer.from(rest));
      this.pendingLength += rest.length;
    }
  }

  async end(): Promise<void> {
    const chunk = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingLength = 0;
    await this.emit(Buffer.concat([this.start(), newLength(chunk.length), chunk]));
  }

  private start(): Buffer {
    if (this.started) return Buffer.alloc(0);
    this.started = true;
    return this.header;
  }
}

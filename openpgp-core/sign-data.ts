// Detached, inline and cleartext signatures over a stream of data, produced the way gpg 2.2's sign_file and
// clearsign_file produce them: same packets, same armor, same status lines. Memory stays bounded whatever the size.
import { createHash, type Hash } from 'node:crypto';
import { ArmorWriter } from './armor.js';
import { checkUsable, defaultDigestFor, PK_EDDSA, PK_RSA, PK_RSA_SIGN, type DigestAlgo } from './digest-algo.js';
import { DeflateWriter } from './deflate-writer.js';
import { mailboxFromUserId } from './mailbox.js';
import {
  indeterminateHeader,
  literalPrefix,
  oldHeader,
  onePassSignature,
  PartialPacketWriter,
  TAG,
} from './packets.js';
import { makeSignaturePacket } from './signature-packet.js';
import type { Reporter, Signer } from './signer-list.js';
import { unsupported } from './signing-error.js';
import { canonicalTextLine, checkLineLengths, ClearsignText, LineSplitter } from './text-lines.js';

export type DataSignMode = 'detach' | 'inline' | 'clearsign';

/** The data to sign. open() may be called twice (cleartext and inline text signatures check line lengths first). */
export interface DataSource {
  open(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** Receives the output in order; resolves when the chunk may be reused (back-pressure). */
export type Sink = (chunk: Buffer) => Promise<void>;

export interface SignDataOptions {
  mode: DataSignMode;
  armor: boolean;
  textmode: boolean;
  /** --digest-algo, parsed; null: gpg's choice per key. */
  digest: DigestAlgo | null;
  /** gpg's clock (the signature and literal data times). */
  clock: () => Date;
  /** Inline signatures: the literal data packet's file name (already as gpg records it) … */
  literalName: Uint8Array;
  /** … and the data's size when gpg would write a definite length (binary data from a named file), else null. */
  literalSize: number | null;
}

export interface CreatedSignature {
  /** SIG_CREATED's type letter: D detached, S inline, C cleartext. */
  type: 'D' | 'S' | 'C';
  pubkeyAlgo: number;
  hashAlgo: number;
  sigClass: number;
  created: Date;
  /** Fingerprint of the (sub)key that signed. */
  fingerprint: string;
}

export function sigCreatedLine(s: CreatedSignature): string {
  const cls = s.sigClass.toString(16).padStart(2, '0');
  const time = Math.floor(s.created.getTime() / 1000);
  return `SIG_CREATED ${s.type} ${s.pubkeyAlgo} ${s.hashAlgo} ${cls} ${time} ${s.fingerprint}`;
}

/** The digest each signer uses, after checking this backend can sign with that key and digest. */
export function digestsFor(signers: readonly Signer[], digest: DigestAlgo | null): DigestAlgo[] {
  return signers.map((s) => {
    const algo = s.signingKey.algorithm;
    if (algo !== PK_RSA && algo !== PK_RSA_SIGN && algo !== PK_EDDSA) {
      throw unsupported(`key ${s.signingKey.keyId} uses public-key algorithm ${algo}; only RSA and Ed25519 sign here`);
    }
    const chosen = digest ?? defaultDigestFor(algo);
    checkUsable(chosen, algo);
    return chosen;
  });
}

/** The BEGIN_SIGNING line: one H<n> per digest in use, in ascending order as gpg lists them. */
export function beginSigningLine(digests: readonly DigestAlgo[]): string {
  const ids = [...new Set(digests.map((d) => d.id))].sort((a, b) => a - b);
  return `BEGIN_SIGNING ${ids.map((id) => `H${id}`).join(' ')}`;
}

class Hashes {
  private readonly byId = new Map<number, Hash>();
  constructor(digests: readonly DigestAlgo[]) {
    for (const d of digests) if (!this.byId.has(d.id)) this.byId.set(d.id, createHash(d.node!));
  }
  update(data: Uint8Array): void {
    for (const h of this.byId.values()) h.update(data);
  }
  /** A copy of the running digest, for one signature (signers sharing a digest share the data hashing). */
  take(id: number): Hash {
    return this.byId.get(id)!.copy();
  }
}

interface Plan {
  signers: readonly Signer[];
  digests: DigestAlgo[];
  sigClass: number;
  type: CreatedSignature['type'];
  options: SignDataOptions;
  reporter: Reporter;
}

async function writeSignatures(plan: Plan, hashes: Hashes, out: Sink): Promise<CreatedSignature[]> {
  const created: CreatedSignature[] = [];
  for (const [i, signer] of plan.signers.entries()) {
    const digest = plan.digests[i]!;
    const date = plan.options.clock();
    const packet = await makeSignaturePacket(hashes.take(digest.id), {
      key: signer.signingKey.packet,
      sigClass: plan.sigClass,
      hashAlgo: digest.id,
      created: date,
      signersUserId: signer.userId === null ? null : mailboxFromUserId(signer.userId),
    });
    await out(packet);
    const sig: CreatedSignature = {
      type: plan.type,
      pubkeyAlgo: signer.signingKey.algorithm,
      hashAlgo: digest.id,
      sigClass: plan.sigClass,
      created: date,
      fingerprint: signer.signingKey.fingerprint,
    };
    plan.reporter.status(sigCreatedLine(sig));
    created.push(sig);
  }
  return created;
}

// Feeds the data, as gpg's text filter would pass it on when textmode is on, to `each`.
async function forEachData(source: DataSource, textmode: boolean, each: (data: Buffer) => Promise<void>) {
  if (!textmode) {
    for await (const chunk of source.open()) await each(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    return;
  }
  const lines = new LineSplitter((line) => each(canonicalTextLine(line)));
  for await (const chunk of source.open()) await lines.push(chunk);
  await lines.end();
}

async function detached(plan: Plan, source: DataSource, sink: Sink): Promise<CreatedSignature[]> {
  const hashes = new Hashes(plan.digests);
  await forEachData(source, plan.options.textmode, (data) => {
    hashes.update(data);
    return Promise.resolve();
  });
  if (!plan.options.armor) return writeSignatures(plan, hashes, sink);
  const armor = new ArmorWriter('SIGNATURE', sink);
  await armor.begin();
  const created = await writeSignatures(plan, hashes, (chunk) => armor.write(chunk));
  await armor.end();
  return created;
}

async function inline(plan: Plan, source: DataSource, sink: Sink): Promise<CreatedSignature[]> {
  const { options, signers, digests } = plan;
  const armor = options.armor ? new ArmorWriter('MESSAGE', sink) : null;
  const outer: Sink = armor ? (chunk) => armor.write(chunk) : sink;
  if (armor) await armor.begin();
  // Compressed data packet of indeterminate length (ZIP), as gpg writes it, around everything else.
  await outer(Buffer.concat([indeterminateHeader(TAG.compressed), Buffer.from([1])]));
  const zip = new DeflateWriter(outer);
  const inner: Sink = (chunk) => zip.write(chunk);
  // One-pass signature packets in reverse order, the last one flagged (gpg's write_onepass_sig_packets).
  for (let i = signers.length - 1; i >= 0; i--) {
    const key = signers[i]!.signingKey;
    await inner(onePassSignature(plan.sigClass, digests[i]!.id, key.algorithm, Buffer.from(key.keyId, 'hex'), i === 0));
  }
  const hashes = new Hashes(digests);
  const prefix = literalPrefix(options.textmode ? 't' : 'b', options.literalName, options.clock());
  if (options.literalSize !== null && !options.textmode) {
    await inner(Buffer.concat([oldHeader(TAG.literal, prefix.length + options.literalSize), prefix]));
    let size = 0;
    await forEachData(source, false, async (data) => {
      size += data.length;
      hashes.update(data);
      await inner(data);
    });
    if (size !== options.literalSize) throw new Error(`the data changed size while signing (${size} bytes)`);
  } else {
    const literal = new PartialPacketWriter(TAG.literal, inner);
    await literal.write(prefix);
    await forEachData(source, options.textmode, async (data) => {
      hashes.update(data);
      await literal.write(data);
    });
    await literal.end();
  }
  const created = await writeSignatures(plan, hashes, inner);
  await zip.end();
  if (armor) await armor.end();
  return created;
}

async function clearsign(plan: Plan, source: DataSource, sink: Sink): Promise<CreatedSignature[]> {
  const names = [...new Set(plan.digests.map((d) => d.name))];
  await sink(Buffer.from(`-----BEGIN PGP SIGNED MESSAGE-----\nHash: ${names.join(',')}\n\n`));
  const hashes = new Hashes(plan.digests);
  const text = new ClearsignText();
  const lines = new LineSplitter(async (line) => {
    hashes.update(text.hashed(line));
    await sink(text.printed(line));
  });
  for await (const chunk of source.open()) await lines.push(chunk);
  await lines.end();
  await sink(text.ending());
  const armor = new ArmorWriter('SIGNATURE', sink);
  await armor.begin();
  const created = await writeSignatures(plan, hashes, (chunk) => armor.write(chunk));
  await armor.end();
  return created;
}

/**
 * Signs the data with every signer (already unlocked), writing gpg's output to `sink` and its SIG_CREATED lines to
 * the reporter. BEGIN_SIGNING is the caller's to print (gpg prints it before it asks for a passphrase).
 */
export async function signData(
  signers: readonly Signer[],
  digests: DigestAlgo[],
  options: SignDataOptions,
  source: DataSource,
  sink: Sink,
  reporter: Reporter,
): Promise<CreatedSignature[]> {
  const textual = options.mode === 'clearsign' || options.textmode;
  const plan: Plan = {
    signers,
    digests,
    sigClass: textual ? 0x01 : 0x00,
    type: options.mode === 'detach' ? 'D' : options.mode === 'inline' ? 'S' : 'C',
    options,
    reporter,
  };
  switch (options.mode) {
    case 'detach':
      return detached(plan, source, sink);
    case 'inline':
      return inline(plan, source, sink);
    case 'clearsign':
      return clearsign(plan, source, sink);
  }
}

/** Output that gpg would make from a text line longer than it can handle is refused before anything is written. */
export async function checkTextLines(options: SignDataOptions, source: DataSource): Promise<void> {
  if (options.mode === 'clearsign' || (options.mode === 'inline' && options.textmode)) {
    await checkLineLengths(source.open());
  }
}

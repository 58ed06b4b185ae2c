// Framing: newline-delimited JSON, where a `chunk` header is followed by exactly `length` raw bytes.
import { ProtocolError } from './errors.js';
import { MAX_CHUNK_BYTES, MAX_FRAME_BYTES } from './limits.js';
import { PROTOCOL_VERSION, type Message } from './messages.js';

export type Frame =
  /** A parsed JSON frame, not yet validated (see validate.ts). `chunk` headers arrive as messages too. */
  | { kind: 'message'; message: unknown }
  /** Raw bytes belonging to the chunk announced just before; a chunk may arrive in several pieces. */
  | { kind: 'bytes'; data: Buffer };

/** Incremental decoder: push socket data in, take frames out. Throws ProtocolError on bad framing. */
export class FrameDecoder {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  /** Raw bytes still owed to the current chunk. */
  private owed = 0;
  private failed = false;

  constructor(private readonly maxFrameBytes: number = MAX_FRAME_BYTES) {}

  /** Decodes as much of `data` as possible and returns the complete frames, in order. */
  push(data: Buffer): Frame[] {
    if (this.failed) throw new ProtocolError('bad-frame', 'data after a framing error');
    const frames: Frame[] = [];
    let rest = data;
    try {
      while (rest.length > 0) {
        if (this.owed > 0) {
          const take = Math.min(this.owed, rest.length);
          frames.push({ kind: 'bytes', data: rest.subarray(0, take) });
          this.owed -= take;
          rest = rest.subarray(take);
          continue;
        }
        const nl = rest.indexOf(0x0a);
        if (nl < 0) {
          this.bufferedLength += rest.length;
          if (this.bufferedLength > this.maxFrameBytes) {
            throw new ProtocolError('frame-too-large', `frame exceeds ${this.maxFrameBytes} bytes without a newline`);
          }
          this.buffered.push(rest);
          break;
        }
        if (this.bufferedLength + nl > this.maxFrameBytes) {
          throw new ProtocolError(
            'frame-too-large',
            `frame of ${this.bufferedLength + nl} bytes exceeds ${this.maxFrameBytes}`,
          );
        }
        const line = Buffer.concat([...this.buffered, rest.subarray(0, nl)]);
        this.buffered = [];
        this.bufferedLength = 0;
        rest = rest.subarray(nl + 1);
        const message = parseLine(line);
        if (isChunkHeader(message)) this.owed = chunkLength(message);
        frames.push({ kind: 'message', message });
      }
    } catch (err) {
      this.failed = true;
      throw err;
    }
    return frames;
  }

  /** Bytes of an unfinished frame or chunk: non-zero at end of stream means the peer stopped mid-frame. */
  get pending(): number {
    return this.bufferedLength + this.owed;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseLine(line: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    throw new ProtocolError('bad-frame', 'frame is not valid UTF-8');
  }
  if (text.endsWith('\r')) text = text.slice(0, -1);
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8's message quotes the input, which may hold the token: report the position only.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new ProtocolError('bad-frame', `frame is not JSON${at === undefined ? '' : ` (at character ${at})`}`, {
      cause: err,
    });
  }
}

function isChunkHeader(value: unknown): value is { type: 'chunk'; length: unknown } {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'chunk';
}

function chunkLength(header: { length: unknown }): number {
  const { length } = header;
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0 || length > MAX_CHUNK_BYTES) {
    throw new ProtocolError('bad-frame', `chunk.length must be an integer from 0 to ${MAX_CHUNK_BYTES}`);
  }
  return length;
}

/** One JSON frame, newline-terminated. */
export function encodeMessage(message: Message): Buffer {
  const line = Buffer.from(JSON.stringify(message) + '\n', 'utf8');
  if (line.length - 1 > MAX_FRAME_BYTES) {
    throw new ProtocolError(
      'frame-too-large',
      `${message.type} frame of ${line.length - 1} bytes exceeds ${MAX_FRAME_BYTES}`,
    );
  }
  return line;
}

/** A chunk header followed by its bytes; an empty `data` encodes the end of the stream. */
export function encodeChunk(data: Uint8Array): Buffer[] {
  if (data.length > MAX_CHUNK_BYTES) throw new RangeError(`chunk of ${data.length} bytes exceeds ${MAX_CHUNK_BYTES}`);
  const header = encodeMessage({ v: PROTOCOL_VERSION, type: 'chunk', length: data.length });
  return data.length === 0 ? [header] : [header, Buffer.from(data.buffer, data.byteOffset, data.length)];
}

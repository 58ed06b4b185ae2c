// Framing: newline-delimited JSON frames, and raw bytes after a `chunk` header, however the stream is split.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors.js';
import { FrameDecoder, encodeChunk, encodeMessage, type Frame } from '../../protocol/framing.js';
import { MAX_CHUNK_BYTES, MAX_FRAME_BYTES } from '../../protocol/limits.js';
import { PROTOCOL_VERSION, type Message } from '../../protocol/messages.js';

const ack = (id: string): Message => ({ v: PROTOCOL_VERSION, type: 'ack', id });

/** Feeds `data` in pieces cut at `cuts` and returns the frames, bytes of one chunk merged. */
function decode(data: Buffer, cuts: number[] = [], max?: number): Frame[] {
  const decoder = new FrameDecoder(max);
  const frames: Frame[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < data.length)].sort((a, b) => a - b).concat(data.length)) {
    for (const f of decoder.push(data.subarray(at, cut))) {
      const last = frames.at(-1);
      if (f.kind === 'bytes' && last?.kind === 'bytes') last.data = Buffer.concat([last.data, f.data]);
      else frames.push(f.kind === 'bytes' ? { kind: 'bytes', data: Buffer.from(f.data) } : f);
    }
    at = cut;
  }
  expect(decoder.pending).toBe(0);
  return frames;
}

function expectCode(fn: () => unknown, code: string): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(code);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

describe('FrameDecoder', () => {
  it('decodes messages and chunks however the stream is split', () => {
    const payload = Buffer.from('line one\nline two\n{"not":"a frame"}\n\x00\xff');
    const stream = Buffer.concat([
      encodeMessage(ack('a')),
      ...encodeChunk(payload),
      ...encodeChunk(new Uint8Array()),
      encodeMessage(ack('b')),
    ]);
    const expected = decode(stream);
    expect(expected).toEqual([
      { kind: 'message', message: ack('a') },
      { kind: 'message', message: { v: 1, type: 'chunk', length: payload.length } },
      { kind: 'bytes', data: payload },
      { kind: 'message', message: { v: 1, type: 'chunk', length: 0 } },
      { kind: 'message', message: ack('b') },
    ]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 12 }), (cuts) => {
        expect(decode(stream, cuts)).toEqual(expected);
      }),
    );
  });

  it('accepts CRLF line ends', () => {
    expect(decode(Buffer.from('{"v":1,"type":"ack","id":"x"}\r\n'))).toEqual([{ kind: 'message', message: ack('x') }]);
  });

  it('reports an unfinished frame as pending', () => {
    const d = new FrameDecoder();
    expect(d.push(Buffer.from('{"v":1'))).toEqual([]);
    expect(d.pending).toBe(6);
  });

  it('rejects a frame over the limit, with or without its newline', () => {
    expectCode(() => new FrameDecoder(10).push(Buffer.from('x'.repeat(11))), 'frame-too-large');
    expectCode(() => new FrameDecoder(10).push(Buffer.from('"' + 'x'.repeat(10) + '"\n')), 'frame-too-large');
    expect(new FrameDecoder(10).push(Buffer.from('"12345678"\n'))).toHaveLength(1);
  });

  it('the default limit is MAX_FRAME_BYTES', () => {
    const d = new FrameDecoder();
    expect(d.push(Buffer.alloc(MAX_FRAME_BYTES, 0x20))).toEqual([]);
    expectCode(() => d.push(Buffer.from(' ')), 'frame-too-large');
  });

  it('rejects non-JSON and non-UTF-8 without quoting the input', () => {
    const err = expectCode(() => new FrameDecoder().push(Buffer.from('{"token":"s3cr3t" x}\n')), 'bad-frame');
    expect(err.message).toBe('frame is not JSON (at character 18)');
    expectCode(() => new FrameDecoder().push(Buffer.from([0xc3, 0x28, 0x0a])), 'bad-frame');
  });

  it('rejects a chunk length that is not an integer within the limit', () => {
    for (const length of [-1, 1.5, '3', MAX_CHUNK_BYTES + 1, null]) {
      expectCode(
        () => new FrameDecoder().push(Buffer.from(JSON.stringify({ v: 1, type: 'chunk', length }) + '\n')),
        'bad-frame',
      );
    }
  });

  it('stays failed after an error', () => {
    const d = new FrameDecoder();
    expectCode(() => d.push(Buffer.from('nope\n')), 'bad-frame');
    expectCode(() => d.push(encodeMessage(ack('a'))), 'bad-frame');
  });
});

describe('encoders', () => {
  it('encodeMessage writes one line and refuses an oversized frame', () => {
    const line = encodeMessage(ack('x'));
    expect(line.toString()).toBe('{"v":1,"type":"ack","id":"x"}\n');
    expectCode(() => encodeMessage(ack('x'.repeat(MAX_FRAME_BYTES))), 'frame-too-large');
  });

  it('encodeChunk: a header, then the bytes; an empty chunk is the header alone', () => {
    const [header, body] = encodeChunk(Buffer.from('abc'));
    expect(header?.toString()).toBe('{"v":1,"type":"chunk","length":3}\n');
    expect(body?.toString()).toBe('abc');
    expect(encodeChunk(new Uint8Array())).toHaveLength(1);
    expect(() => encodeChunk(new Uint8Array(MAX_CHUNK_BYTES + 1))).toThrow(RangeError);
  });
});

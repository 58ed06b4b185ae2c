// fast-check generators of hostile client conversations for the supervisor's socket: random bytes, oversized lines,
// wrong types, truncated JSON, wrong versions, missing, wrong and replayed tokens, replayed request ids, frames after
// a decision, half-closed and abruptly closed sockets, frames split across writes.
import fc from 'fast-check';
import { MAX_CHUNK_BYTES, MAX_FRAME_BYTES } from '../../protocol/limits.js';
import type { SignRequest } from '../../protocol/messages.js';
import { makeRequest, makeResult } from '../helpers/protocol-client.js';

export type Step =
  /** Bytes to write, in pieces (split points), holding `frames` frames (a trailing piece without newline counts). */
  | { kind: 'send'; pieces: Buffer[]; frames: number; label: string }
  /** Wait (bounded) for the server's next frame. */
  | { kind: 'await' }
  /** shutdown(SHUT_WR): the client stops sending. */
  | { kind: 'end' }
  /** The client vanishes. */
  | { kind: 'destroy' };

export interface Conversation {
  label: string;
  steps: Step[];
}

export interface Tokens {
  /** The current attempt's token (a request with it is real and gets decided). */
  valid: string;
  /** A token of an attempt that is over. */
  old: string;
}

/** Request ids shared by all conversations, so that some requests replay an id already used. */
const REPLAYED_IDS = ['1111111111111111', '2222222222222222', '3333333333333333'];

const line = (value: unknown) => Buffer.from(JSON.stringify(value) + '\n');

function send(label: string, bytes: Buffer): Step {
  let frames = 0;
  for (const b of bytes) if (b === 0x0a) frames += 1;
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) frames += 1;
  return { kind: 'send', pieces: [bytes], frames: Math.max(frames, 1), label };
}

const hexId = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 });

/** A well-formed request (as the shim would send it) with the given token. */
const request = (token: string) => hexId.map((id) => makeRequest(token, { id }));

/** `value` as JSON with field `key` replaced by the raw JSON text `raw` (which may nest deeper than stringify can). */
function withField(value: object, key: string, raw: string): Buffer {
  const hole = '\u0000hole\u0000';
  const text = JSON.stringify({ ...value, [key]: hole });
  return Buffer.from(text.replace(JSON.stringify(hole), () => raw) + '\n');
}

const FIELDS = Object.keys(makeRequest('t')) as (keyof SignRequest)[];

/**
 * JSON text of a value that is not well-formed for its place: any JSON, big numbers, odd strings, and (rarer, being
 * large) nesting deep enough to overflow a recursive serialiser.
 */
const strangeJson: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(-1, 0, 1.5, 2 ** 53, -(2 ** 60), 1e308, '', ' ', 'x'.repeat(300), null, true, [], {})
      .map((v) => JSON.stringify(v)),
  },
  { weight: 2, arbitrary: fc.constantFrom('-0', '1e400', '1E-400', '"\\ud800"', '"\\u0000"') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.integer({ min: 5000, max: 100_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 5000, max: 50_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)) },
);

function frameArbitrary(t: Tokens): fc.Arbitrary<Step> {
  const valid = request(t.valid);
  return fc.oneof(
    // Random bytes, usually ending in a newline.
    fc
      .tuple(fc.uint8Array({ maxLength: 600 }), fc.boolean())
      .map(([bytes, nl]) => send('random bytes', Buffer.concat([Buffer.from(bytes), Buffer.from(nl ? '\n' : '')]))),
    // Printable garbage that looks almost like JSON.
    fc.string({ maxLength: 200 }).map((s) => send('text', Buffer.from(`{${s}\n`))),
    // A JSON value that is not an object, or the token all alone.
    fc
      .oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(t.valid))
      .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
      .map((v) => send('not an object', line(v))),
    // Another protocol version (including a huge string of characters JSON escapes, and the token).
    fc
      .tuple(
        valid,
        fc.oneof(
          { weight: 6, arbitrary: strangeJson },
          { weight: 3, arbitrary: fc.constantFrom(0, 2, '1', 1.0000001, t.valid).map((v) => JSON.stringify(v)) },
          // Characters that JSON escapes, so that an echo of them grows on every encoding (up to the frame limit).
          {
            weight: 1,
            arbitrary: fc.integer({ min: 1000, max: 100_000 }).map((n) => JSON.stringify('"\\\u0001'.repeat(n))),
          },
        ),
      )
      .filter(([, v]) => v !== '1')
      .map(([r, v]) => send('wrong version', withField(r, 'v', v))),
    // A field missing, or of a wrong type, or unknown extra fields (harmless).
    fc.tuple(valid, fc.constantFrom(...FIELDS)).map(([r, k]) => {
      const copy: Record<string, unknown> = { ...r };
      delete copy[k];
      return send(`missing ${k}`, line(copy));
    }),
    fc.tuple(valid, fc.constantFrom(...FIELDS), strangeJson).map(([r, k, v]) => send(`wrong ${k}`, withField(r, k, v))),
    fc
      .tuple(valid, fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }))
      .map(([r, extra]) =>
        send(
          'extra fields',
          Buffer.from(JSON.stringify({ ...extra, ...r }).replace(/^\{/, '{"__proto__":{"x":1},') + '\n'),
        ),
      ),
    // Tokens: wrong (same length), empty, too long, of an attempt that is over, almost right.
    fc
      .tuple(
        request('x'),
        fc.constantFrom(
          'A'.repeat(t.valid.length),
          '',
          'y'.repeat(257),
          t.old,
          t.old,
          ` ${t.valid}`,
          t.valid.toUpperCase(),
          t.valid.slice(0, -1),
        ),
      )
      .map(([r, token]) => send('bad token', line({ ...r, token }))),
    // Truncated JSON (then a newline), and bytes that are not UTF-8 inside a string.
    fc.tuple(valid, fc.nat()).map(([r, n]) => {
      const text = JSON.stringify(r);
      return send('truncated json', Buffer.from(text.slice(0, n % text.length) + '\n'));
    }),
    fc
      .tuple(request('x'), fc.constantFrom([0xc0, 0x80], [0xff], [0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]))
      .map(([r, bad]) => {
        const text = Buffer.from(JSON.stringify({ ...r, cwd: '@' }));
        const at = text.indexOf('@');
        return send(
          'invalid utf-8',
          Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at + 1), Buffer.from('\n')]),
        );
      }),
    // Framing corners: empty line, CRLF, BOM, whitespace.
    fc.constantFrom('\n', '\r\n', '   \n', '\ufeff{}\n', '{}\r\r\n').map((s) => send('framing corner', Buffer.from(s))),
    // Messages out of turn: a result first, a chunk with its bytes or a bad length, a server message, unknown type.
    fc.constantFrom(
      send('result first', line(makeResult('0123456789abcdef'))),
      send('chunk', Buffer.concat([line({ v: 1, type: 'chunk', length: 5 }), Buffer.from('ab\ncd')])),
      send('chunk', line({ v: 1, type: 'chunk', length: -1 })),
      send('chunk', line({ v: 1, type: 'chunk', length: MAX_CHUNK_BYTES + 1 })),
      send('chunk', line({ v: 1, type: 'chunk', length: 0 })),
      send(
        'server message',
        line({ v: 1, type: 'decision', id: 'x', decision: 'proceed', reason: '', job: 'j', attempt: 1 }),
      ),
      send('unknown type', line({ v: 1, type: 'hello' })),
      send('bad type', line({ v: 1, type: 7 })),
    ),
  );
}

/** Rare, large: a line over the frame limit (with or without its newline), or a valid request just under it. */
function oversized(t: Tokens): fc.Arbitrary<Step> {
  return fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.boolean()).map(([extra, nl]) => {
      const bytes = Buffer.alloc(MAX_FRAME_BYTES + extra + (nl ? 1 : 0), 0x61);
      if (nl) bytes[bytes.length - 1] = 0x0a;
      return send('oversized', bytes);
    }),
    fc.integer({ min: -2, max: 2 }).map((delta) => {
      // A request (wrong token: it must not be decided) whose line is MAX_FRAME_BYTES + delta bytes long.
      const base = JSON.stringify(makeRequest('A'.repeat(t.valid.length), { argv: [''] }));
      const pad = MAX_FRAME_BYTES + delta - base.length;
      return send('at the frame limit', line(makeRequest('A'.repeat(t.valid.length), { argv: ['p'.repeat(pad)] })));
    }),
  );
}

/** Writes the same bytes in several pieces, to cross frame boundaries at random places. */
function split(step: Step, cuts: number[]): Step {
  if (step.kind !== 'send' || step.pieces.length !== 1) return step;
  const bytes = step.pieces[0] as Buffer;
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) pieces.push(bytes.subarray(from, p));
    from = p;
  }
  return { ...step, pieces };
}

const terminator = fc.constantFrom<Step[]>([], [{ kind: 'end' }], [{ kind: 'destroy' }]);

/** Whole conversations, most of them short and hostile, some real requests followed by more frames. */
export function conversationArbitrary(t: Tokens): fc.Arbitrary<Conversation> {
  const frame = frameArbitrary(t);
  const splitFrame = fc.tuple(frame, fc.array(fc.nat(), { maxLength: 4 })).map(([s, cuts]) => split(s, cuts));
  const realRequest = fc
    .tuple(request(t.valid), fc.option(fc.constantFrom(...REPLAYED_IDS), { freq: 3 }))
    .map(([r, replay]) => (replay === null ? r : { ...r, id: replay }));
  const afterDecision = fc.oneof(
    frame,
    realRequest.map((r) => send('second request', line(r))),
    fc.constant(send('result, wrong id', line(makeResult('ffffffffffffffff')))),
    fc.constant(send('chunk after proceed', line({ v: 1, type: 'chunk', length: 3 }))),
  );
  return fc.oneof(
    { weight: 60, arbitrary: fc.tuple(splitFrame, terminator).map(([s, end]) => conv([s, ...end])) },
    {
      weight: 25,
      arbitrary: fc
        .tuple(fc.array(frame, { minLength: 2, maxLength: 8 }), terminator)
        .map(([fs, end]) => conv([pipelined(fs), ...end])),
    },
    { weight: 1, arbitrary: fc.tuple(oversized(t), terminator).map(([s, end]) => conv([s, ...end])) },
    {
      // A real request (sometimes replaying an id), the decision, then whatever comes: a result (right or wrong id),
      // more frames, or the client leaving.
      weight: 10,
      arbitrary: fc
        .tuple(realRequest, fc.boolean(), fc.array(afterDecision, { maxLength: 3 }), fc.boolean(), terminator)
        .map(([r, wait, after, result, end]) =>
          conv([
            send('real request', line(r)),
            ...(wait ? [{ kind: 'await' } as Step] : []),
            ...(result ? [send('result', line(makeResult(r.id)))] : []),
            ...after,
            ...end,
          ]),
        ),
    },
    {
      // A real request, then the client half-closes or vanishes before the decision.
      weight: 5,
      arbitrary: fc
        .tuple(realRequest, fc.constantFrom<Step>({ kind: 'end' }, { kind: 'destroy' }))
        .map(([r, end]) => conv([send('real request', line(r)), end])),
    },
  );
}

function pipelined(steps: Step[]): Step {
  const sends = steps.filter((s): s is Extract<Step, { kind: 'send' }> => s.kind === 'send');
  return {
    kind: 'send',
    pieces: [Buffer.concat(sends.flatMap((s) => s.pieces))],
    frames: sends.reduce((n, s) => n + s.frames, 0),
    label: `pipelined ${sends.map((s) => s.label).join(' + ')}`,
  };
}

/** A conversation; one that stops mid-frame always ends its side (else the server rightly waits for the rest). */
function conv(steps: Step[]): Conversation {
  const last = steps.at(-1);
  if (last?.kind === 'send') {
    const bytes = Buffer.concat(last.pieces);
    if (bytes[bytes.length - 1] !== 0x0a) steps = [...steps, { kind: 'end' }];
  }
  const label = steps.map((s) => (s.kind === 'send' ? s.label : s.kind)).join(' → ');
  return { label, steps };
}

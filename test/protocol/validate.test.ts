// Validation: every message of v1 parses back to itself, and every wrong field is named precisely.
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors.js';
import { ERROR_CODES, PROTOCOL_VERSION, type ServerMessage } from '../../protocol/messages.js';
import { parseClientMessage, parseServerMessage } from '../../protocol/validate.js';
import { makeRequest, makeResult } from '../helpers/protocol-client.js';

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return { code: (err as ProtocolError).code, message: (err as ProtocolError).message };
  }
  throw new Error('expected a ProtocolError');
}

const request = makeRequest('T'.repeat(43));

describe('client messages', () => {
  it('sign-request, sign-result and chunk round-trip', () => {
    expect(parseClientMessage(JSON.parse(JSON.stringify(request)))).toEqual(request);
    const result = makeResult('id1', { signal: 'SIGKILL', outputSha256: null, outputSize: null, exit: 137 });
    expect(parseClientMessage(result)).toEqual(result);
    expect(parseClientMessage({ v: 1, type: 'chunk', length: 0 })).toEqual({ v: 1, type: 'chunk', length: 0 });
  });

  it('key signatures carry no digest', () => {
    const keys = { ...request, kind: 'keys', mode: 'keys', sha256: null, size: 0, inputs: [] };
    expect(parseClientMessage(keys)).toMatchObject({ kind: 'keys', sha256: null });
  });

  it('ignores unknown fields (a newer client may add optional ones)', () => {
    expect(parseClientMessage({ ...request, extra: 1 })).toEqual(request);
  });

  it.each([
    [{ ...request, v: 2 }, 'unsupported-version', 'protocol version 2 is not supported (this peer speaks 1)'],
    [{ ...request, v: undefined }, 'unsupported-version', /protocol version undefined/],
    [[request], 'bad-message', /^frame: expected a JSON object/],
    [{ ...request, type: 'decision' }, 'bad-message', 'frame.type: "decision" is not a client message'],
    [{ ...request, id: '' }, 'bad-message', 'sign-request.id: expected a non-empty string, got ""'],
    [
      { ...request, id: 'x'.repeat(65) },
      'bad-message',
      'sign-request.id: expected at most 64 characters, got "65 characters"',
    ],
    [{ ...request, pid: 0 }, 'bad-message', 'sign-request.pid: expected an integer ≥ 1, got 0'],
    [{ ...request, argv: ['a', 3] }, 'bad-message', 'sign-request.argv[1]: expected a string, got 3'],
    [{ ...request, kind: 'other' }, 'bad-message', 'sign-request.kind: expected "data" or "keys", got "other"'],
    [{ ...request, sha256: 'ABC' }, 'bad-message', 'sign-request.sha256: expected 64 lower-case hex digits, got "ABC"'],
    [
      { ...request, sha256: null },
      'bad-message',
      'sign-request.sha256: expected a digest for a data signature, got null',
    ],
    [{ ...request, inputs: [{ name: '', size: 1 }] }, 'bad-message', /^sign-request\.inputs\[0\]\.name: /],
    [
      { ...request, backend: 'x' },
      'bad-message',
      /^sign-request\.backend: expected "gnupg" or "openpgp" or "supervisor"/,
    ],
    [{ ...request, payload: 'yes' }, 'bad-message', 'sign-request.payload: expected true or false, got "yes"'],
    [{ ...makeResult('a'), exit: -1 }, 'bad-message', 'sign-result.exit: expected an integer ≥ 0, got -1'],
  ])('%#: rejects with a precise message', (value, code, message) => {
    const f = failure(() => parseClientMessage(value));
    expect(f.code).toBe(code);
    if (typeof message === 'string') expect(f.message).toBe(message);
    else expect(f.message).toMatch(message);
  });

  it('never echoes the token', () => {
    const secret = 'S'.repeat(43);
    for (const token of [[secret], { t: secret }, 'x'.repeat(300), '']) {
      const f = failure(() => parseClientMessage({ ...request, token }));
      expect(f.message).toMatch(/^sign-request\.token: /);
      expect(f.message).not.toContain(secret);
      expect(f.message).not.toContain('xxxxxxxx');
    }
  });
});

describe('server messages', () => {
  const all: ServerMessage[] = [
    { v: PROTOCOL_VERSION, type: 'decision', id: 'a', decision: 'proceed', reason: 'ok', job: 'j', attempt: 1 },
    { v: PROTOCOL_VERSION, type: 'ack', id: 'a' },
    { v: PROTOCOL_VERSION, type: 'chunk', length: 5 },
    {
      v: PROTOCOL_VERSION,
      type: 'sign-done',
      id: 'a',
      exit: 0,
      status: ['[GNUPG:] SIG_CREATED D 22 8 00 1 F'],
      stderr: '',
    },
    { v: PROTOCOL_VERSION, type: 'error', code: 'bad-token', message: 'the token is wrong' },
    { v: PROTOCOL_VERSION, type: 'error', code: 'attempt-over', message: 'over', id: 'a' },
  ];

  it.each(all)('$type round-trips', (m) => {
    expect(parseServerMessage(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });

  it('knows every documented error code, and reads an unknown one as internal', () => {
    for (const code of ERROR_CODES)
      expect(parseServerMessage({ v: 1, type: 'error', code, message: '' })).toMatchObject({ code });
    expect(parseServerMessage({ v: 1, type: 'error', code: 'from-the-future', message: 'm' })).toEqual({
      v: 1,
      type: 'error',
      code: 'internal',
      message: 'm',
    });
  });

  it('rejects a decision that is neither proceed nor abort', () => {
    const f = failure(() => parseServerMessage({ ...all[0], decision: 'maybe' }));
    expect(f.message).toBe('decision.decision: expected "proceed" or "abort", got "maybe"');
  });

  it('rejects client messages', () => {
    expect(failure(() => parseServerMessage(request)).message).toBe(
      'frame.type: "sign-request" is not a server message',
    );
  });
});

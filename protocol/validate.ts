// Validation of decoded frames into typed messages, with messages that say exactly which field is wrong.
import { ProtocolError } from './errors.js';
import {
  ERROR_CODES,
  PROTOCOL_VERSION,
  type Ack,
  type Chunk,
  type ClientMessage,
  type Decision,
  type ErrorCode,
  type ErrorMessage,
  type InputInfo,
  type ServerMessage,
  type SignDone,
  type SignRequest,
  type SignResult,
} from './messages.js';

type Obj = Record<string, unknown>;

/** Fields whose value must never be echoed in an error message (it may end up in a log). */
const SECRET_FIELDS = new Set(['sign-request.token']);

/** What a value is, without quoting it. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A short, bounded view of a value for an error message: a scalar as JSON (a string cut at 40 characters), anything
 * else by its kind. Never serialises a whole value (a deep one would overflow the stack, a long one bloat the reply).
 */
function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return kindOf(value);
}

/** A message type as it may be shown: a short lower-case name, quoted; anything else is not repeated. */
function typeName(type: string): string {
  return /^[a-z-]{1,24}$/.test(type) ? `"${type}"` : 'an unknown type';
}

function fail(path: string, expected: string, got: unknown): never {
  const shown = SECRET_FIELDS.has(path) ? `a value of type ${kindOf(got).replace(/^an? /, '')}` : preview(got);
  throw new ProtocolError('bad-message', `${path}: expected ${expected}, got ${shown}`);
}

function str(o: Obj, path: string, key: string, opts: { nonEmpty?: boolean; max?: number } = {}): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${path}.${key}`, 'a string', v);
  if (opts.nonEmpty && v.length === 0) fail(`${path}.${key}`, 'a non-empty string', v);
  if (opts.max !== undefined && v.length > opts.max)
    fail(`${path}.${key}`, `at most ${opts.max} characters`, `${v.length} characters`);
  return v;
}

function strOrNull(o: Obj, path: string, key: string): string | null {
  return o[key] === null ? null : str(o, path, key);
}

function int(o: Obj, path: string, key: string, min = 0): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(`${path}.${key}`, `an integer ≥ ${min}`, v);
  return v;
}

function intOrNull(o: Obj, path: string, key: string): number | null {
  return o[key] === null ? null : int(o, path, key);
}

function bool(o: Obj, path: string, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${path}.${key}`, 'true or false', v);
  return v;
}

function oneOf<T extends string>(o: Obj, path: string, key: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
    fail(`${path}.${key}`, values.map((x) => `"${x}"`).join(' or '), v);
  return v as T;
}

function strings(o: Obj, path: string, key: string): string[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${path}.${key}`, 'an array of strings', v);
  v.forEach((item, i) => {
    if (typeof item !== 'string') fail(`${path}.${key}[${i}]`, 'a string', item);
  });
  return v as string[];
}

const SHA256 = /^[0-9a-f]{64}$/;

function sha256OrNull(o: Obj, path: string, key: string): string | null {
  const v = strOrNull(o, path, key);
  if (v !== null && !SHA256.test(v)) fail(`${path}.${key}`, '64 lower-case hex digits', v);
  return v;
}

function inputs(o: Obj, path: string): InputInfo[] {
  const v = o.inputs;
  if (!Array.isArray(v)) fail(`${path}.inputs`, 'an array', v);
  return v.map((item, i) => {
    const p = `${path}.inputs[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) fail(p, 'an object', item);
    const it = item as Obj;
    return { name: str(it, p, 'name', { nonEmpty: true }), size: int(it, p, 'size') };
  });
}

/** Checks the envelope every frame shares: an object with `v` and `type`. */
function envelope(value: unknown): Obj & { type: string } {
  // The frame's own values are not quoted here: a whole frame may be anything, the token included.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('bad-message', `frame: expected a JSON object, got ${kindOf(value)}`);
  }
  const o = value as Obj;
  if (o.v !== PROTOCOL_VERSION) {
    const version = typeof o.v === 'number' || o.v === undefined ? String(o.v) : `of type ${kindOf(o.v)}`;
    throw new ProtocolError(
      'unsupported-version',
      `protocol version ${version} is not supported (this peer speaks ${PROTOCOL_VERSION})`,
    );
  }
  if (typeof o.type !== 'string') fail('frame.type', 'a string', o.type);
  return o as Obj & { type: string };
}

function signRequest(o: Obj): SignRequest {
  const p = 'sign-request';
  const kind = oneOf(o, p, 'kind', ['data', 'keys'] as const);
  const sha256 = sha256OrNull(o, p, 'sha256');
  if (kind === 'data' && sha256 === null) fail(`${p}.sha256`, 'a digest for a data signature', null);
  return {
    v: PROTOCOL_VERSION,
    type: 'sign-request',
    token: str(o, p, 'token', { nonEmpty: true, max: 256 }),
    id: str(o, p, 'id', { nonEmpty: true, max: 64 }),
    pid: int(o, p, 'pid', 1),
    cwd: str(o, p, 'cwd'),
    argv: strings(o, p, 'argv'),
    commands: strings(o, p, 'commands'),
    kind,
    mode: oneOf(o, p, 'mode', ['detach', 'clearsign', 'inline', 'keys'] as const),
    localUsers: strings(o, p, 'localUsers'),
    armor: bool(o, p, 'armor'),
    textmode: bool(o, p, 'textmode'),
    digestAlgo: strOrNull(o, p, 'digestAlgo'),
    inputs: inputs(o, p),
    sha256,
    size: int(o, p, 'size'),
    output: str(o, p, 'output', { nonEmpty: true }),
    backend: oneOf(o, p, 'backend', ['gnupg', 'openpgp', 'supervisor'] as const),
    payload: bool(o, p, 'payload'),
  };
}

function signResult(o: Obj): SignResult {
  const p = 'sign-result';
  return {
    v: PROTOCOL_VERSION,
    type: 'sign-result',
    id: str(o, p, 'id', { nonEmpty: true, max: 64 }),
    exit: int(o, p, 'exit'),
    signal: strOrNull(o, p, 'signal'),
    outputSha256: sha256OrNull(o, p, 'outputSha256'),
    outputSize: intOrNull(o, p, 'outputSize'),
  };
}

function chunk(o: Obj): Chunk {
  return { v: PROTOCOL_VERSION, type: 'chunk', length: int(o, 'chunk', 'length') };
}

function decision(o: Obj): Decision {
  const p = 'decision';
  return {
    v: PROTOCOL_VERSION,
    type: 'decision',
    id: str(o, p, 'id', { nonEmpty: true }),
    decision: oneOf(o, p, 'decision', ['proceed', 'abort'] as const),
    reason: str(o, p, 'reason'),
    job: str(o, p, 'job'),
    attempt: int(o, p, 'attempt'),
  };
}

function ack(o: Obj): Ack {
  return { v: PROTOCOL_VERSION, type: 'ack', id: str(o, 'ack', 'id', { nonEmpty: true }) };
}

function signDone(o: Obj): SignDone {
  const p = 'sign-done';
  return {
    v: PROTOCOL_VERSION,
    type: 'sign-done',
    id: str(o, p, 'id', { nonEmpty: true }),
    exit: int(o, p, 'exit'),
    status: strings(o, p, 'status'),
    stderr: str(o, p, 'stderr'),
  };
}

function errorMessage(o: Obj): ErrorMessage {
  const p = 'error';
  const code = str(o, p, 'code', { nonEmpty: true });
  const msg: ErrorMessage = {
    v: PROTOCOL_VERSION,
    type: 'error',
    // A code from a newer peer still means "refused": keep the message, call it internal.
    code: (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'internal',
    message: str(o, p, 'message'),
  };
  if (o.id !== undefined) msg.id = str(o, p, 'id');
  return msg;
}

/** Validates a frame received by the supervisor. Throws ProtocolError naming the offending field. */
export function parseClientMessage(value: unknown): ClientMessage {
  const o = envelope(value);
  switch (o.type) {
    case 'sign-request':
      return signRequest(o);
    case 'sign-result':
      return signResult(o);
    case 'chunk':
      return chunk(o);
    default:
      throw new ProtocolError('bad-message', `frame.type: ${typeName(o.type)} is not a client message`);
  }
}

/** Validates a frame received by the shim. Throws ProtocolError naming the offending field. */
export function parseServerMessage(value: unknown): ServerMessage {
  const o = envelope(value);
  switch (o.type) {
    case 'decision':
      return decision(o);
    case 'ack':
      return ack(o);
    case 'chunk':
      return chunk(o);
    case 'sign-done':
      return signDone(o);
    case 'error':
      return errorMessage(o);
    default:
      throw new ProtocolError('bad-message', `frame.type: ${typeName(o.type)} is not a server message`);
  }
}

// The supervisor's own judgement of a request it is asked to sign. In --sign-in-supervisor mode the build environment
// is untrusted, so the shim's classification counts for nothing: the supervisor signs only what the request's fields
// say, checks them itself, and refuses anything it would not sign faithfully — before the commit step.
import type { SignRequest } from '../../protocol/messages.js';
import type { SignatureSpec } from './signer.js';

/** Commands a data signature may be made of (the shim's canonical names). */
const SIGNING_COMMANDS = new Set(['sign', 'detach-sign', 'clear-sign']);

export const MAX_LOCAL_USERS = 16;
const MAX_USER_ID = 512;
const MAX_NAME = 4096;
/** gpg writes at most 255 bytes of file name into a literal data packet. */
const MAX_LITERAL_NAME_BYTES = 255;
const DIGEST_NAME = /^[A-Za-z0-9]{1,16}$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

export class RequestRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestRefusal';
  }
}

function refuse(message: string): never {
  throw new RequestRefusal(message);
}

function baseName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/**
 * The signature the supervisor will make for `request`, or a RequestRefusal saying why it will not. Field types and
 * ranges were already checked by the protocol's validation; this checks what they mean.
 */
export function signatureSpec(request: SignRequest): SignatureSpec {
  if (request.kind !== 'data' || request.mode === 'keys') {
    refuse(
      'key signatures (certifications, key generation, revocations) cannot be made in the supervisor; only data signatures (detach, clearsign, inline) can',
    );
  }
  if (request.backend !== 'supervisor' || !request.payload) {
    refuse('this job signs in the supervisor: the request must have backend "supervisor" and payload true');
  }
  if (request.sha256 === null) refuse('a data signature needs the sha256 of the data');
  const commands = request.commands;
  const unknown = commands.find((c) => !SIGNING_COMMANDS.has(c));
  if (commands.length === 0 || unknown !== undefined) {
    refuse(
      `only plain signing commands can be served in the supervisor, not ${unknown === undefined ? 'none' : JSON.stringify(unknown)} (no encryption, no key management)`,
    );
  }
  const consistent =
    request.mode === 'clearsign'
      ? commands.includes('clear-sign')
      : request.mode === 'detach'
        ? commands.includes('detach-sign') && !commands.includes('clear-sign')
        : commands.every((c) => c === 'sign');
  if (!consistent) refuse(`mode "${request.mode}" does not match the commands ${JSON.stringify(commands)}`);

  if (request.localUsers.length > MAX_LOCAL_USERS) refuse(`more than ${MAX_LOCAL_USERS} --local-user values`);
  for (const user of request.localUsers) {
    if (user.length === 0 || user.length > MAX_USER_ID || CONTROL.test(user)) {
      refuse(`a --local-user value must be 1-${MAX_USER_ID} characters without control characters`);
    }
  }
  if (request.digestAlgo !== null && !DIGEST_NAME.test(request.digestAlgo)) {
    refuse('--digest-algo must be a short alphanumeric algorithm name');
  }

  const inputs = request.inputs;
  if (inputs.length === 0) refuse('a data signature needs at least one input');
  for (const input of inputs) {
    if (input.name.length > MAX_NAME || CONTROL.test(input.name)) {
      refuse('input names must be at most 4096 characters without control characters');
    }
  }
  const total = inputs.reduce((n, i) => n + i.size, 0);
  if (total !== request.size) refuse(`the inputs add up to ${total} bytes, not the announced size ${request.size}`);
  if (inputs.length > 1 && request.mode !== 'detach') refuse(`${request.mode} signatures are made over one input`);
  if (inputs.length > 1 && request.textmode) refuse('--textmode over several inputs is not supported');
  const fromStdin = inputs.some((i) => i.name === '-');
  if (fromStdin && inputs.length > 1) refuse('standard input together with files is not supported');

  const first = inputs[0]!.name;
  const literalName = fromStdin ? '' : baseName(first);
  if (Buffer.byteLength(literalName) > MAX_LITERAL_NAME_BYTES) {
    refuse(`the input's file name is longer than ${MAX_LITERAL_NAME_BYTES} bytes`);
  }
  if (request.output.length > MAX_NAME || CONTROL.test(request.output)) {
    refuse('the output name must be at most 4096 characters without control characters');
  }
  return {
    mode: request.mode,
    armor: request.armor,
    textmode: request.textmode,
    localUsers: [...request.localUsers],
    digestAlgo: request.digestAlgo,
    literalName,
    fromStdin,
    size: request.size,
    inputName: first,
    outputName: request.output,
  };
}

/** Why this job will not serve `request` at all (null: it may go on to the commit step). */
export function refusalFor(request: SignRequest, signsInSupervisor: boolean): string | null {
  const wantsSupervisor = request.backend === 'supervisor' || request.payload;
  if (!signsInSupervisor) {
    return wantsSupervisor ? 'signing in the supervisor is not enabled for this job' : null;
  }
  if (!wantsSupervisor) {
    return 'this job signs in the supervisor (gpg-gate run --sign-in-supervisor): the build environment holds no key, so only requests with backend "supervisor" are served';
  }
  try {
    signatureSpec(request);
    return null;
  } catch (err) {
    if (err instanceof RequestRefusal) return err.message;
    throw err;
  }
}

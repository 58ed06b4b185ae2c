// gpg's commands: how they combine (g10/gpg.c set_cmd), which of them create signatures, and the argument-count
// checks gpg makes (wrong_args) before it does anything, so that a call gpg would refuse never reaches the gate.

/** Combined commands, named after their parts. */
export const SIGN = 'sign';
export const ENCRYPT = 'encrypt';
export const SYMMETRIC = 'symmetric';
export const CLEARSIGN = 'clear-sign';
export const SIGN_ENCRYPT = 'sign+encrypt';
export const SIGN_SYMMETRIC = 'sign+symmetric';
export const ENCRYPT_SYMMETRIC = 'encrypt+symmetric';
export const SIGN_ENCRYPT_SYMMETRIC = 'sign+encrypt+symmetric';

const COMBINE: Record<string, string> = {
  'sign/encrypt': SIGN_ENCRYPT,
  'encrypt/sign': SIGN_ENCRYPT,
  'sign/symmetric': SIGN_SYMMETRIC,
  'symmetric/sign': SIGN_SYMMETRIC,
  'symmetric/encrypt': ENCRYPT_SYMMETRIC,
  'encrypt/symmetric': ENCRYPT_SYMMETRIC,
  'sign+encrypt/symmetric': SIGN_ENCRYPT_SYMMETRIC,
  'sign+symmetric/encrypt': SIGN_ENCRYPT_SYMMETRIC,
  'encrypt+symmetric/sign': SIGN_ENCRYPT_SYMMETRIC,
  'sign/clear-sign': CLEARSIGN,
  'clear-sign/sign': CLEARSIGN,
};

/** g10/gpg.c set_cmd: the command in effect after `next`, or null for "conflicting commands" (exit 2). */
export function setCommand(current: string | null, next: string): string | null {
  if (current === null || current === next) return next;
  return COMBINE[`${current}/${next}`] ?? null;
}

/** What a command option does to the command (gpg.c main switch). */
export interface CommandEffect {
  /** The command passed to set_cmd, or null for --fingerprint (a command only when no other is given). */
  command: string | null;
  detached?: boolean;
  multifile?: boolean;
}

export function commandEffect(canonical: string): CommandEffect {
  switch (canonical) {
    case 'detach-sign':
      return { command: SIGN, detached: true };
    case 'encrypt-files':
      return { command: ENCRYPT, multifile: true };
    case 'decrypt-files':
      return { command: 'decrypt', multifile: true };
    case 'verify-files':
      return { command: 'verify', multifile: true };
    case 'fingerprint':
      return { command: null };
    default:
      return { command: canonical };
  }
}

/** Data-signing commands (sign.c sign_file, sign_symencrypt_file, clearsign_file). */
const DATA_SIGNING = new Set([SIGN, SIGN_ENCRYPT, SIGN_SYMMETRIC, SIGN_ENCRYPT_SYMMETRIC, CLEARSIGN]);

/**
 * Commands that create key signatures (certifications, self-signatures, revocations). Observed with real gpg in
 * test/argv/bisimulation.test.ts where they can run here; `edit-key` (any session may `sign`), `edit-card`/`card-edit`
 * (generates keys on a card) and `generate-designated-revocation` are signing on judgement from the source.
 */
const KEY_SIGNING = new Set([
  'sign-key',
  'lsign-key',
  'quick-sign-key',
  'quick-lsign-key',
  'quick-revoke-sig',
  'edit-key',
  'quick-add-uid',
  'quick-add-key',
  'quick-revoke-uid',
  'quick-set-expire',
  'quick-set-primary-uid',
  'quick-generate-key',
  'generate-key',
  'full-generate-key',
  'generate-revocation',
  'generate-designated-revocation',
  'edit-card',
]);

export function signKind(command: string | null): 'data' | 'keys' | null {
  if (command === null) return null;
  if (DATA_SIGNING.has(command)) return 'data';
  if (KEY_SIGNING.has(command)) return 'keys';
  return null;
}

export interface DispatchContext {
  args: readonly string[];
  detached: boolean;
  multifile: boolean;
  batch: boolean;
  /** opt.command_fd != -1 (--command-fd or --command-file given). */
  commandFd: boolean;
}

const usage = (text: string): string => `usage: gpg [options] ${text}`;

/** The `wrong_args` check gpg's command dispatcher makes for `command`, in its words; null when gpg goes ahead. */
export function usageError(command: string | null, c: DispatchContext): string | null {
  const n = c.args.length;
  switch (command) {
    case 'store':
      return n > 1 ? usage('--store [filename]') : null;
    case SYMMETRIC:
      return n > 1 ? usage('--symmetric [filename]') : null;
    case ENCRYPT:
      return !c.multifile && n > 1 ? usage('--encrypt [filename]') : null;
    case ENCRYPT_SYMMETRIC:
      return n > 1 ? usage('--symmetric --encrypt [filename]') : null;
    case SIGN:
      return !c.detached && n > 1 ? usage('--sign [filename]') : null;
    case SIGN_ENCRYPT:
      return n > 1 ? usage('--sign --encrypt [filename]') : null;
    case SIGN_ENCRYPT_SYMMETRIC:
      return n > 1 ? usage('--symmetric --sign --encrypt [filename]') : null;
    case SIGN_SYMMETRIC:
      return n > 1 ? usage('--sign --symmetric [filename]') : null;
    case CLEARSIGN:
      return n > 1 ? usage('--clear-sign [filename]') : null;
    case 'decrypt':
      return !c.multifile && n > 1 ? usage('--decrypt [filename]') : null;
    case 'quick-sign-key':
    case 'quick-lsign-key':
      return n < 1 ? usage('--quick-[l]sign-key fingerprint [userids]') : null;
    case 'quick-revoke-sig':
      return n < 2 ? usage('--quick-revoke-sig USER-ID SIG-USER-ID [userids]') : null;
    case 'sign-key':
      return n !== 1 ? usage('--sign-key user-id') : null;
    case 'lsign-key':
      return n !== 1 ? usage('--lsign-key user-id') : null;
    case 'edit-key':
      return n < 1 ? usage('--edit-key user-id [commands]') : null;
    case 'change-passphrase':
      return n !== 1 ? usage('--change-passphrase <user-id>') : null;
    case 'quick-generate-key':
      return n < 1 || n > 4 ? usage('--quick-generate-key USER-ID [ALGO [USAGE [EXPIRE]]]') : null;
    case 'generate-key':
      if (c.batch || c.commandFd) return n > 1 ? usage('--generate-key [parameterfile]') : null;
      return n > 0 ? usage('--generate-key') : null;
    case 'full-generate-key':
      if (c.batch) return n > 1 ? usage('--full-generate-key [parameterfile]') : null;
      return n > 0 ? usage('--full-generate-key') : null;
    case 'quick-add-uid':
      return n !== 2 ? usage('--quick-add-uid USER-ID NEW-USER-ID') : null;
    case 'quick-add-key':
      return n < 1 || n > 4 ? usage('--quick-add-key FINGERPRINT [ALGO [USAGE [EXPIRE]]]') : null;
    case 'quick-revoke-uid':
      return n !== 2 ? usage('--quick-revoke-uid USER-ID USER-ID-TO-REVOKE') : null;
    case 'quick-set-expire':
      // sic: gpg 2.2 spells it "exipre".
      return n < 2 ? usage('--quick-set-exipre FINGERPRINT EXPIRE [SUBKEY-FPRS]') : null;
    case 'quick-set-primary-uid':
      return n !== 2 ? usage('--quick-set-primary-uid USER-ID PRIMARY-USER-ID') : null;
    case 'export-ssh-key':
      return n !== 1 ? usage('--export-ssh-key <user-id>') : null;
    case 'generate-revocation':
      return n !== 1 ? usage('--generate-revocation user-id') : null;
    case 'generate-designated-revocation':
      return n !== 1 ? usage('--generate-designated-revocation user-id') : null;
    case 'dearmor':
      return n > 1 ? usage('--dearmor [file]') : null;
    case 'enarmor':
      return n > 1 ? usage('--enarmor [file]') : null;
    case 'gen-prime':
      return usage('--gen-prime not yet supported ');
    case 'print-md':
      return n < 1 ? usage('--print-md algo [files]') : null;
    case 'update-trustdb':
      return n > 0 ? usage('--update-trustdb') : null;
    case 'export-ownertrust':
      return n > 0 ? usage('--export-ownertrust') : null;
    case 'import-ownertrust':
      return n > 1 ? usage('--import-ownertrust [file]') : null;
    case 'rebuild-keydb-caches':
      return n > 0 ? usage('--rebuild-keydb-caches') : null;
    case 'card-status':
      return n > 1 ? usage('--card-status [serialno]') : null;
    case 'change-pin':
      return n > 1 ? usage('--change-pin [no]') : null;
    case 'tofu-policy':
      return n < 2 ? usage('--tofu-policy POLICY KEYID [KEYID...]') : null;
    case null:
    case 'list-packets':
      // No command: gpg guesses (decrypt, verify or list) from one input.
      return n > 1 ? usage('[filename]') : null;
    default:
      return null;
  }
}

/** `--gen-random 0|1|2 [count]` is checked on the values too. */
export function genRandomError(args: readonly string[], atoi: (s: string) => number): string | null {
  const level = args[0] === undefined ? 0 : atoi(args[0]);
  const count = args[1] === undefined ? 0 : atoi(args[1]);
  if (args.length < 1 || args.length > 2 || level < 0 || level > 2 || count < 0)
    return usage('--gen-random 0|1|2 [count]');
  return null;
}

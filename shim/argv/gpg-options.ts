// What gpg 2.2's main() does with each option it receives (g10/gpg.c: the big switch and the checks after it), for
// the options that decide whether and how it signs, where it writes, and which descriptors it uses.
import { setCommand, commandEffect } from './commands.js';
import { OPT_COMMAND, OPT_HEADER, OPT_IGNORE, type OptionEntry } from './option-table.js';
import type { FdOptions } from './types.js';

export interface GpgRun {
  command: string | null;
  /** Canonical names of the command options seen, in order, each once. */
  commands: string[];
  detached: boolean;
  multifile: boolean;
  fingerprint: boolean;
  armor: boolean;
  output: string | null;
  localUsers: string[];
  textmode: number;
  digestAlgo: string | null;
  setFilename: string | null;
  eyesOnly: boolean;
  noLiteral: boolean;
  batch: boolean;
  yes: boolean;
  pinentryMode: string | null;
  dryRun: boolean;
  specialFilenames: boolean;
  fds: FdOptions;
  /** Every descriptor named by an fd option, even one a later option replaced (gpg may have opened it). */
  fdsSeen: Set<number>;
  /** opt.command_fd != -1 */
  commandFd: boolean;
  passphrase: string | null;
  passphraseFile: string | null;
  loggerFile: string | null;
  s2kMode: number;
  compliance: string;
  completesNeeded: number;
  marginalsNeeded: number;
  maxCertDepth: number;
  defCertLevel: number;
  minCertLevel: number;
  debugLevel: string | null;
  printPka: boolean;
  printDane: boolean;
  /** Errors gpg logs while parsing; it exits 2 once parsing is done (unless --version comes first). */
  deferred: string[];
  /** An error on which gpg exits at once (conflicting commands, a bad --compliance). */
  fatal: string | null;
  /** String values from config files and argv, to look for `-&N` descriptors. */
  values: string[];
}

export function newRun(): GpgRun {
  return {
    command: null,
    commands: [],
    detached: false,
    multifile: false,
    fingerprint: false,
    armor: false,
    output: null,
    localUsers: [],
    textmode: 0,
    digestAlgo: null,
    setFilename: null,
    eyesOnly: false,
    noLiteral: false,
    batch: false,
    yes: false,
    pinentryMode: null,
    dryRun: false,
    specialFilenames: false,
    fds: { status: null, logger: null, attribute: null, passphrase: null, command: null, overrideSessionKey: null },
    fdsSeen: new Set(),
    commandFd: false,
    passphrase: null,
    passphraseFile: null,
    loggerFile: null,
    s2kMode: 3,
    compliance: 'gnupg',
    completesNeeded: 1,
    marginalsNeeded: 3,
    maxCertDepth: 5,
    defCertLevel: 0,
    minCertLevel: 2,
    debugLevel: null,
    printPka: false,
    printDane: false,
    deferred: [],
    fatal: null,
    values: [],
  };
}

const PINENTRY_MODES = new Set(['default', 'ask', 'cancel', 'error', 'loopback']);
const REQUEST_ORIGINS = new Set(['local', 'remote', 'browser']);
const TRUST_MODELS = new Set(['pgp', 'classic', 'always', 'direct', 'tofu', 'tofu+pgp', 'auto']);
const KEYID_FORMATS = new Set(['short', 'long', '0xshort', '0xlong', 'none']);
const COMPLIANCE = new Set(['gnupg', 'openpgp', 'rfc4880bis', 'rfc4880', 'rfc2440', 'pgp6', 'pgp7', 'pgp8', 'de-vs']);
const TOFU_POLICIES = new Set(['auto', 'good', 'unknown', 'bad', 'ask']);
const COMPLIANCE_OPTIONS = new Set(['gnupg', 'openpgp', 'rfc4880bis', 'rfc4880', 'rfc2440', 'pgp6', 'pgp7', 'pgp8']);

function setFd(run: GpgRun, key: keyof GpgRun['fds'], n: number | null): void {
  run.fds[key] = n;
  if (n !== null) run.fdsSeen.add(n);
}

/** Options gpg's main switch has no case for: an error on the command line, a warning in a config file. */
export function isUnhandled(entry: OptionEntry): boolean {
  return (entry.flags & (OPT_HEADER | OPT_IGNORE)) !== 0 || entry.short >= 32768 || entry.canonical === 'no-options';
}

/**
 * Applies one option as gpg's main switch does. Returns false for an option gpg does not handle (see isUnhandled).
 * `value` is null for options without an argument; `number` is the strtol value of int options.
 */
export function applyOption(run: GpgRun, entry: OptionEntry, value: string | null, number: number | null): boolean {
  if (isUnhandled(entry)) return false;
  if (value !== null) run.values.push(value);
  if (entry.flags & OPT_COMMAND) {
    const effect = commandEffect(entry.canonical);
    if (effect.detached) run.detached = true;
    if (effect.multifile) run.multifile = true;
    if (effect.command === null) {
      run.fingerprint = true;
      return true;
    }
    if (!run.commands.includes(entry.canonical)) run.commands.push(entry.canonical);
    const next = setCommand(run.command, effect.command);
    if (next === null) run.fatal ??= 'conflicting commands';
    else run.command = next;
    if (entry.canonical === 'server') run.batch = true;
    return true;
  }
  const v = value ?? '';
  switch (entry.canonical) {
    case 'armor':
      run.armor = true;
      break;
    case 'no-armor':
      run.armor = false;
      break;
    case 'output':
      run.output = v;
      break;
    case 'local-user':
      run.localUsers.push(v);
      break;
    case '-t':
      run.textmode = 2;
      break;
    case 'textmode':
    case 'mimemode':
      run.textmode = 1;
      break;
    case 'no-textmode':
      run.textmode = 0;
      break;
    case 'digest-algo':
      run.digestAlgo = v;
      break;
    case 'set-filename':
      run.setFilename = v;
      break;
    case 'for-your-eyes-only':
      run.eyesOnly = true;
      break;
    case 'no-for-your-eyes-only':
      run.eyesOnly = false;
      break;
    case 'no-literal':
      run.noLiteral = true;
      break;
    case 'batch':
      run.batch = true;
      break;
    case 'no-batch':
      run.batch = false;
      break;
    case 'yes':
      run.yes = true;
      break;
    case 'dry-run':
      run.dryRun = true;
      break;
    case 'enable-special-filenames':
      run.specialFilenames = true;
      break;
    case 'multifile':
      run.multifile = true;
      break;
    case 'pinentry-mode':
      run.pinentryMode = v;
      if (!PINENTRY_MODES.has(v)) run.deferred.push(`invalid pinentry mode '${v}'`);
      break;
    case 'request-origin':
      if (!REQUEST_ORIGINS.has(v)) run.deferred.push(`invalid request origin '${v}'`);
      break;
    case 'trust-model':
      if (!TRUST_MODELS.has(v.toLowerCase())) run.deferred.push(`unknown trust model '${v}'`);
      break;
    case 'keyid-format':
      if (!KEYID_FORMATS.has(v.toLowerCase())) run.deferred.push(`unknown keyid-format '${v}'`);
      break;
    case 'compliance': {
      const c = v.toLowerCase();
      if (c === 'help') run.fatal ??= "valid values for option '--compliance':";
      else if (!COMPLIANCE.has(c)) run.fatal ??= "invalid value for option '--compliance'";
      else run.compliance = c;
      break;
    }
    case 'tofu-default-policy': {
      const p = v.toLowerCase();
      if (p === 'help') run.fatal ??= "valid values for option '--tofu-policy':";
      else if (!TOFU_POLICIES.has(p)) run.fatal ??= `unknown TOFU policy '${v}'`;
      break;
    }
    case 's2k-mode':
      run.s2kMode = number ?? 0;
      break;
    case 'completes-needed':
      run.completesNeeded = number ?? 0;
      break;
    case 'marginals-needed':
      run.marginalsNeeded = number ?? 0;
      break;
    case 'max-cert-depth':
      run.maxCertDepth = number ?? 0;
      break;
    case 'default-cert-level':
      run.defCertLevel = number ?? 0;
      break;
    case 'min-cert-level':
      run.minCertLevel = number ?? 0;
      break;
    case 'debug-level':
      run.debugLevel = v;
      break;
    case 'print-pka-records':
      run.printPka = true;
      break;
    case 'print-dane-records':
      run.printDane = true;
      break;
    case 'status-fd':
      setFd(run, 'status', number);
      break;
    case 'status-file':
      run.fds.status = null;
      break;
    case 'logger-fd':
      setFd(run, 'logger', number);
      break;
    case 'log-file':
      run.loggerFile = v;
      break;
    case 'attribute-fd':
      setFd(run, 'attribute', number);
      break;
    case 'attribute-file':
      run.fds.attribute = null;
      break;
    case 'passphrase-fd':
      setFd(run, 'passphrase', number);
      run.passphraseFile = null;
      break;
    case 'passphrase-file':
      run.fds.passphrase = null;
      run.passphraseFile = v;
      break;
    case 'passphrase':
      // An absent optional argument sets the empty passphrase.
      run.passphrase = v;
      break;
    case 'command-fd':
      setFd(run, 'command', number);
      run.commandFd = number !== -1;
      break;
    case 'command-file':
      run.fds.command = null;
      run.commandFd = true;
      break;
    case 'override-session-key-fd':
      setFd(run, 'overrideSessionKey', number);
      break;
    default:
      if (COMPLIANCE_OPTIONS.has(entry.canonical)) run.compliance = entry.canonical;
  }
  return true;
}

/** The checks gpg makes between parsing and running the command, in its order; the first error gpg prints. */
export function postParseError(run: GpgRun): string | null {
  if (run.deferred.length) return run.deferred[0] ?? null;
  if (run.printDane) return 'invalid option "--print-dane-records"; use "--export-options export-dane" instead';
  if (run.printPka) return 'invalid option "--print-pks-records"; use "--export-options export-pka" instead';
  const errors: string[] = [];
  const setFilename = run.eyesOnly ? '_CONSOLE' : run.setFilename;
  if (run.noLiteral) {
    if (run.textmode) errors.push('--textmode not allowed with --no-literal!');
    if (setFilename !== null)
      errors.push(`${run.eyesOnly ? '--for-your-eyes-only' : '--set-filename'} makes no sense with --no-literal!`);
  }
  const d = run.debugLevel;
  if (d !== null && !/^[0-9]/.test(d) && !['none', 'basic', 'advanced', 'expert', 'guru'].includes(d))
    errors.push(`invalid debug-level '${d}' given`);
  if (run.completesNeeded < 1) errors.push('completes-needed must be greater than 0');
  if (run.marginalsNeeded < 2) errors.push('marginals-needed must be greater than 1');
  if (run.maxCertDepth < 1 || run.maxCertDepth > 255) errors.push('max-cert-depth must be in the range from 1 to 255');
  if (run.defCertLevel < 0 || run.defCertLevel > 3) errors.push('invalid default-cert-level; must be 0, 1, 2, or 3');
  if (run.minCertLevel < 1 || run.minCertLevel > 3) errors.push('invalid min-cert-level; must be 1, 2, or 3');
  if (![0, 1, 3].includes(run.s2kMode)) errors.push('invalid S2K mode; must be 0, 1 or 3');
  if (run.multifile) {
    const names: Record<string, string> = {
      sign: '--sign',
      'sign+encrypt': '--sign --encrypt',
      'clear-sign': '--clear-sign',
      symmetric: '--symmetric',
      'encrypt+symmetric': '--symmetric --encrypt',
      store: '--store',
    };
    const name = run.command === null ? undefined : names[run.command];
    if (name) errors.push(`${name} does not yet work with --multifile`);
  }
  return errors[0] ?? null;
}

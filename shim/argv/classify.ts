// Decides, exactly as gpg 2.2 would parse its command line and config files, whether a gpg call creates a signature.
// Order of events in gpg: a first pass over argv (--homedir, --help), then the global config file, one user config
// file, then argv again; errors in config files are only warnings, an error in argv ends gpg at once.
import { cAtoi } from './c-strtol.js';
import {
  CLEARSIGN,
  ENCRYPT,
  ENCRYPT_SYMMETRIC,
  SIGN_ENCRYPT,
  SIGN_ENCRYPT_SYMMETRIC,
  SIGN_SYMMETRIC,
  SYMMETRIC,
  genRandomError,
  signKind,
  usageError,
} from './commands.js';
import { DEFAULT_GLOBAL_CONFIG, openConfig, resolveHomedir, userConfigPath, type ConfigOpen } from './config-files.js';
import { finishReadSys, newMetaState, type MetaState } from './config-meta.js';
import { parseConfigText } from './config-parser.js';
import { applyOption, isUnhandled, newRun, postParseError, type GpgRun } from './gpg-options.js';
import {
  OPT_CONFFILE,
  SHORT_DUMP_OPTIONS,
  SHORT_DUMP_OPTTBL,
  SHORT_HELP,
  SHORT_VERSION,
  SHORT_WARRANTY,
} from './option-table.js';
import { effectiveOutput } from './output-name.js';
import { parseArgv, parseErrorMessage, type ParsedArgv } from './parse-argv.js';
import type { CallFacts, Classification, ClassifyOptions } from './types.js';

export type { Classification, ClassifyOptions } from './types.js';

/** Options that end gpg in its first pass over argv, before any config file is read (exit 0, nothing signed). */
const FIRST_PASS_EXITS = new Set([SHORT_HELP, SHORT_WARRANTY, SHORT_DUMP_OPTIONS, SHORT_DUMP_OPTTBL]);

interface Context {
  argv: readonly string[];
  parsed: ParsedArgv;
  run: GpgRun;
  homedir: string;
  configFiles: string[];
  secretArgIndexes: number[];
}

const SIGN_ENCRYPTS = new Set([ENCRYPT, SIGN_ENCRYPT, ENCRYPT_SYMMETRIC, SIGN_ENCRYPT_SYMMETRIC]);
const SIGN_SYMMETRICS = new Set([SYMMETRIC, SIGN_SYMMETRIC, ENCRYPT_SYMMETRIC, SIGN_ENCRYPT_SYMMETRIC]);

function extraFds(ctx: Context): number[] {
  const fds = new Set<number>();
  for (const n of ctx.run.fdsSeen) if (n > 2) fds.add(n);
  // `-&N` names a descriptor as a file name (honoured by gpg with --enable-special-filenames; listed regardless).
  const special = (s: string): void => {
    const m = /^-&([0-9]{1,9})$/.exec(s);
    if (m && Number(m[1]) > 2) fds.add(Number(m[1]));
  };
  for (const v of ctx.run.values) special(v);
  for (const a of ctx.argv.slice(ctx.parsed.argsStart)) special(a);
  return [...fds].sort((a, b) => a - b);
}

type Verdict = { kind: 'passthrough' } | { kind: 'sign' } | { kind: 'error'; error: string };

function result(ctx: Context, verdict: Verdict, extraCommand?: string): Classification {
  const facts = callFacts(ctx, extraCommand);
  if (verdict.kind === 'error') return { ...facts, kind: 'error', error: verdict.error };
  const { run } = ctx;
  const signs = verdict.kind === 'sign' ? signKind(run.command) : null;
  if (signs === null) return { ...facts, kind: 'passthrough' };
  if (signs === 'keys') return { ...facts, kind: 'sign', signs, mode: 'keys' };
  const mode =
    run.command === CLEARSIGN ? 'clearsign' : run.detached && run.command !== SIGN_SYMMETRIC ? 'detach' : 'inline';
  return { ...facts, kind: 'sign', signs, mode };
}

function callFacts(ctx: Context, extraCommand?: string): CallFacts {
  const { run, argv, parsed } = ctx;
  const args = argv.slice(parsed.argsStart);
  const commands = [...run.commands];
  if (run.fingerprint && commands.length === 0) commands.push('fingerprint');
  if (extraCommand) commands.push(extraCommand);
  return {
    commands,
    encrypt: run.command !== null && SIGN_ENCRYPTS.has(run.command),
    symmetric: run.command !== null && SIGN_SYMMETRICS.has(run.command),
    args,
    argsStart: parsed.argsStart,
    optionsEnd: parsed.optionsEnd,
    output: run.output,
    effectiveOutput: effectiveOutput(run, args),
    localUsers: [...run.localUsers],
    armor: run.armor,
    textmode: run.textmode !== 0,
    digestAlgo: run.digestAlgo,
    setFilename: run.eyesOnly ? '_CONSOLE' : run.setFilename,
    batch: run.batch,
    yes: run.yes,
    pinentryMode: run.pinentryMode,
    fds: { ...run.fds },
    extraFds: extraFds(ctx),
    passphrase: run.passphrase,
    passphraseFile: run.passphraseFile,
    homedir: ctx.homedir,
    configFiles: [...ctx.configFiles],
    secretArgIndexes: [...ctx.secretArgIndexes],
  };
}

/** Reads one config file into the run; returns an error when gpg would stop (or hang) on it. */
function readConfig(ctx: Context, st: MetaState, file: ConfigOpen & { kind: 'text' }): string | null {
  ctx.configFiles.push(file.path);
  st.confName = file.path;
  parseConfigText(file.text, st, (ev) => {
    if (ev.kind !== 'option' || ctx.run.fatal) return;
    // `options FILE` inside a config file is skipped; `no-options` there is an unknown option (a warning).
    if (ev.entry.flags & OPT_CONFFILE && ev.entry.canonical === 'options') return;
    applyOption(ctx.run, ev.entry, ev.value, ev.number);
  });
  return ctx.run.fatal;
}

/**
 * Classifies a gpg command line (argv without the program name). Pure apart from reading gpg's config files; fails
 * closed: whatever cannot be decided with certainty is `error`, never `passthrough`.
 */
export function classify(argv: string[], options: ClassifyOptions = {}): Classification {
  const env = options.env ?? process.env;
  const parsed = parseArgv(argv);
  const ctx: Context = { argv, parsed, run: newRun(), homedir: '', configFiles: [], secretArgIndexes: [] };

  // First pass (gpg's pre-scan for --homedir and argparse's for --options/--no-options): errors do not count yet.
  let homedirArg: string | null = null;
  let optionsFile: string | null = null;
  let noOptions = false;
  for (const it of parsed.items) {
    if (it.kind === 'error') continue;
    if (it.kind === 'help')
      return result(
        { ...ctx, homedir: resolveHomedir(homedirArg, env, process.cwd()) },
        { kind: 'passthrough' },
        'help',
      );
    if (FIRST_PASS_EXITS.has(it.entry.short)) {
      ctx.homedir = resolveHomedir(homedirArg, env, process.cwd());
      return result(ctx, { kind: 'passthrough' }, it.entry.canonical);
    }
    if (it.entry.canonical === 'homedir') homedirArg = it.value;
    else if (it.entry.canonical === 'options' && optionsFile === null && it.value !== null) optionsFile = it.value;
    else if (it.entry.canonical === 'no-options' && !it.ignoredValue) noOptions = true;
  }
  for (const it of parsed.items) {
    if (
      it.kind === 'option' &&
      it.valueIndex !== null &&
      ['passphrase', 'override-session-key'].includes(it.entry.canonical)
    )
      ctx.secretArgIndexes.push(it.valueIndex);
  }
  ctx.homedir = resolveHomedir(homedirArg, env, process.cwd());

  const st = newMetaState(env);
  const fail = (message: string): Classification => result(ctx, { kind: 'error', error: message });

  const global = openConfig(options.globalConfig ?? DEFAULT_GLOBAL_CONFIG);
  if (global.kind === 'read-error') return fail(`${global.path}:0: read error`);
  if (global.kind === 'text') {
    st.inSysconf = true;
    const err = readConfig(ctx, st, global);
    finishReadSys(st);
    if (err) return fail(err);
  }

  let user: ConfigOpen | null = null;
  if (noOptions) {
    // --no-options anywhere: no user file, even after --options FILE.
  } else if (optionsFile !== null) {
    user = openConfig(optionsFile);
    if (user.kind === 'missing') {
      // With a global config file gpg only warns (its "current config" is then the global one); without, it exits.
      if (global.kind !== 'text') return fail(`option file '${user.path}': ${user.reason}`);
      user = null;
    }
  } else {
    user = openConfig(userConfigPath(ctx.homedir));
    if (user.kind === 'missing') user = null;
  }
  if (user?.kind === 'read-error') return fail(`${user.path}:0: read error`);
  if (user?.kind === 'text') {
    st.expand = false;
    st.verbose = false;
    const err = readConfig(ctx, st, user);
    if (err) return fail(err);
  }
  if (st.uncertain) return fail(st.uncertain);

  // Main pass over argv.
  for (const it of parsed.items) {
    if (it.kind === 'help') return result(ctx, { kind: 'passthrough' }, 'help');
    if (it.kind === 'error') return fail(parseErrorMessage(it));
    if (it.entry.short === SHORT_VERSION) return result(ctx, { kind: 'passthrough' }, 'version');
    if (it.entry.flags & OPT_CONFFILE && !it.ignoredValue) continue;
    const a = st.attrs.get(it.entry.index);
    if (a && ((a.ignore && a.explicitIgnore) || a.forced)) continue; // "ignoring option … due to global config"
    if (isUnhandled(it.entry)) return fail(`invalid option "${(argv[it.index] ?? '').slice(0, 50)}"`);
    applyOption(ctx.run, it.entry, it.value, it.number);
    if (ctx.run.fatal) return fail(ctx.run.fatal);
  }

  const run = ctx.run;
  if (run.deferred.length) return fail(run.deferred[0] ?? '');
  if (run.command === 'gpgconf-list') return result(ctx, { kind: 'passthrough' });
  const post = postParseError(run);
  if (post) return fail(post);
  if (run.command === null && run.fingerprint) run.command = 'list-keys';

  const args = argv.slice(parsed.argsStart);
  const usage =
    run.command === 'gen-random'
      ? genRandomError(args, cAtoi)
      : usageError(run.command, {
          args,
          detached: run.detached,
          multifile: run.multifile,
          batch: run.batch,
          commandFd: run.commandFd,
        });
  if (usage) return fail(usage);
  if (run.command === SIGN_ENCRYPT_SYMMETRIC || run.command === ENCRYPT_SYMMETRIC) {
    const what = run.command === ENCRYPT_SYMMETRIC ? '--symmetric --encrypt' : '--symmetric --sign --encrypt';
    if (run.s2kMode === 0) return fail(`you cannot use ${what} with --s2k-mode 0`);
    if (run.compliance === 'pgp6' || run.compliance === 'pgp7')
      return fail(`you cannot use ${what} in --compliance=${run.compliance} mode`);
  }
  return result(ctx, { kind: signKind(run.command) ? 'sign' : 'passthrough' });
}

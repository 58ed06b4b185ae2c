// The result of classifying a gpg command line exactly as gpg would parse it. Produced by classify.ts, consumed by
// the shim's main entry (passthrough vs. gate) and delegation (argv rewriting, descriptors).

/** Where an option came from; config files are read before argv, like gpg does. */
export type OptionSource = 'global-config' | 'user-config' | 'argv';

/**
 * passthrough: gpg cannot create a signature with this call (read-only or non-signing command).
 * sign: gpg would create a signature (data or key signature) — the call must be gated.
 * error: gpg would reject the command line, or we cannot tell with certainty; never delegated.
 */
export type Classification =
  | (CallFacts & { kind: 'passthrough' })
  | SignClassification
  | (CallFacts & {
      kind: 'error';
      /** A one-line reason in gpg's wording where gpg has one (without the `gpg: ` prefix). */
      error: string;
    });

export type SignClassification = CallFacts &
  (
    | {
        kind: 'sign';
        signs: 'data';
        /** detach (-b), clearsign, inline (-s, also with -e/-c). */
        mode: 'detach' | 'clearsign' | 'inline';
      }
    | { kind: 'sign'; signs: 'keys'; mode: 'keys' }
  );

/** What the command line says, whatever its kind. */
export interface CallFacts {
  /** Canonical long names of the commands in effect (config files included), in the order gpg saw them. */
  commands: string[];
  /** Whether the call also encrypts (-e) or symmetrically encrypts (-c) the signed data. */
  encrypt: boolean;
  symmetric: boolean;
  /** The non-option arguments (files; `-` is stdin). Empty: gpg reads stdin (data commands). */
  args: string[];
  /** Index in argv of the first non-option argument (or argv.length); a `--` before it is excluded. */
  argsStart: number;
  /** Index in argv where the option part ends: the `--` if present, else argsStart. */
  optionsEnd: number;
  /** --output value in effect (last one wins, config included); `-` means stdout; null when not given. */
  output: string | null;
  /** Where gpg writes the result with the options in effect: output ?? default name (F.asc, F.sig, F.gpg) ?? `-`. */
  effectiveOutput: string;
  /** --local-user values in order (config first), exactly as written. */
  localUsers: string[];
  armor: boolean;
  textmode: boolean;
  /** --digest-algo (as written) or null. */
  digestAlgo: string | null;
  /** --set-filename value, or null. */
  setFilename: string | null;
  batch: boolean;
  yes: boolean;
  /** --pinentry-mode value or null. */
  pinentryMode: string | null;
  /** Descriptor options in effect; values as gpg parses them (numbers). */
  fds: FdOptions;
  /** Every descriptor above 2 the call may use: the fds above plus `-&N` special file names anywhere in argv. */
  extraFds: number[];
  /** Passphrase material: --passphrase value (if any) and --passphrase-file path. Never log the value. */
  passphrase: string | null;
  passphraseFile: string | null;
  /** Home directory gpg resolves: --homedir, else $GNUPGHOME, else ~/.gnupg. */
  homedir: string;
  /** Config files read, in order. */
  configFiles: string[];
  /** Indexes into argv that hold secrets (e.g. the value after --passphrase), for redaction in logs. */
  secretArgIndexes: number[];
}

export interface ClassifyOptions {
  /** Environment for GNUPGHOME and HOME (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Path of the always-read global config file. Only tests change it; default /etc/gnupg/gpg.conf. */
  globalConfig?: string;
}

/** gpg's descriptor options (--status-fd, --logger-fd, …) as gpg parses them; null when not given. */
export interface FdOptions {
  status: number | null;
  logger: number | null;
  attribute: number | null;
  passphrase: number | null;
  command: number | null;
  overrideSessionKey: number | null;
}

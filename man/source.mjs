// The hand-written part of the man pages: what `gpg-gate --help` cannot say (description, exit status, environment,
// files, examples) and the whole page of the shim. man/generate.mjs joins it with the --help of every subcommand into
// man/gpg-gate.1 and man/gpg-gate-shim.1; test/package/ checks that the committed pages are what it generates and
// that the README's exit-status and environment tables say what this file says.
//
// Inline markup, as in the README: `code` and **strong** print bold, *word* prints italic. Each string of a list is
// one paragraph.

/** gpg-gate(1). */
export const gpgGate = {
  description: [
    'gpg-gate puts a gate in front of OpenPGP signing. A signature is often a point of no return: once a release tag ' +
      'is signed, the upload may become public and its version number is spent, while any failure before it is safe ' +
      'to retry. gpg-gate makes the signing call itself that commitment point.',
    '`gpg-gate run` puts a fake `gpg`, the shim (see *gpg-gate-shim*(1)), first on the `PATH` of COMMAND and runs ' +
      'COMMAND without a shell, its standard input, output and error inherited. The shim passes read-only calls ' +
      'straight to the real gpg, but blocks every call that would create a signature and asks the supervisor over a ' +
      'Unix socket. At the first signing call of the job the supervisor performs the commit step, exactly once: the ' +
      '`--on-commit` hook, `--auto-commit`, or the answer of an embedding program on `--decisions-fd`. Only once the ' +
      'journal durably holds `committed` does any signature get made; later signing calls of the job are recorded ' +
      'and approved.',
    'Every state change is written to the job journal, one JSON line each, with an fsync before the action it ' +
      'guards. `gpg-gate status` derives the outcome of a job from its journal alone: `succeeded`, ' +
      '`failed-before-commit`, `commit-refused`, `failed-after-commit`, `unknown` (the commit step gave no clear ' +
      'answer: it timed out, crashed or was killed, or the supervisor died while it ran; reconcile by hand) or ' +
      '`running`; and whether something was committed: `yes`, `no` or `unknown`.',
    'An attempt that fails before the commitment point, or whose commit step answers transient, committed nothing: ' +
      '`run` retries it (`--retries`) and, if it gives up, exits 75. A refusal commits nothing either (exit 75) but ' +
      'is not retried. Once the commit step has committed, or when it gave no clear answer, nothing is retried and ' +
      'the exit status is never 75. Running `run` again on the same journal continues the job exactly when nothing ' +
      'was committed, whatever the exit status of COMMAND was; one `run` at a time holds a journal (an advisory ' +
      'lock that dies with the supervisor).',
    'The commit hook (`--on-commit` *cmd*) is run as `/bin/sh -c` *cmd* in its own session and process group, with ' +
      'the signing request that reached the commitment point as one JSON line on its standard input (without the ' +
      'token) and `GPG_GATE_JOB` and `GPG_GATE_ATTEMPT` in its environment; its output goes to the standard error ' +
      'of `run`. Exit 0 means committed, 75 transient (nothing was committed, retriable), 77 refused (nothing was ' +
      'committed); a hook that cannot be started refuses; any other exit status, or death by a signal, is no clear ' +
      'answer: it may have committed. After `--commit-timeout` the hook is killed, which is no clear answer either, ' +
      'never transient.',
    'SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded to COMMAND and end the retries. What the caller of ' +
      '`gpg-gate` blocked or ignored stays so for COMMAND and for the real gpg under the shim, and `run` neither ' +
      'dies of those signals nor forwards them: both executables start as `/bin/sh`, read the signal state from ' +
      '`/proc/self/status` and exec node, and the state is applied with `env --block-signal/--ignore-signal`. Run ' +
      'them as programs, not as `node` *file*, or the state is lost.',
    'With `--sign-in-supervisor` the supervisor makes the signatures itself, with the real gpg in `--gnupghome` ' +
      '(`--backend gnupg`) or with openpgp.js and the key of `--key` (`--backend openpgp`), so the key never enters ' +
      'the environment of COMMAND. It makes data signatures only (detached, cleartext and inline). It enforces only ' +
      'if COMMAND cannot reach the key by other means than the socket: run COMMAND in a sandbox, as another user or ' +
      'on another host.',
    "With `--agent-gate` the gate moves to where every OpenPGP signature is made: gpg-agent's PKSIGN. COMMAND " +
      'gets a GNUPGHOME of its own holding the public keyring, trustdb and `gpg.conf` of `--gnupghome` *keyhome* ' +
      'and no secret key; at its agent socket a libassuan redirect file names a proxy in the supervisor, which ' +
      "relays to *keyhome*'s agent through its restricted extra socket. The real gpg does everything else. Each " +
      'PKSIGN is held until the commit step, journaled with the keygrip, hash algorithm and digest, and only then ' +
      'passed on; commands a build has no business sending to the key holder (key export, import, deletion, ' +
      "passphrase presets, key generation, decryption, anything unknown) are refused with GnuPG's " +
      '`Forbidden` and journaled. The shim stays first on `PATH` unless `--no-shim` is given; either way every ' +
      'gpg of COMMAND that uses its GNUPGHOME, by name, by absolute path or through GPGME, signs only through the ' +
      'gate.',
  ],
  /** The exit status of `run`: the README's table of the same name says exactly this. */
  runExitStatus: [
    ['0', 'the command succeeded'],
    [
      '75',
      'the job failed and **nothing was committed** (also after the commit step refused, and when `run` could not ' +
        'start a new job): safe to retry',
    ],
    [
      'other',
      "the job failed and a commitment exists or may exist (the command's status; 128+n for signal n; 1 instead of " +
        '0 or 75); 1 also when `run` refuses a journal',
    ],
    ['64', 'usage error'],
  ],
  otherExitStatus: [
    '`run` refuses a journal (exit 1, nothing run) when it says something was or may have been committed, when it ' +
      'cannot be read, or when another `run` holds it.',
    '`status` exits 0 whenever the journal could be read, whatever the outcome it prints, and 1 if the journal ' +
      'cannot be read or is damaged. `shim-dir` and `install-shim` exit 0 on success and 1 on failure. Every ' +
      'subcommand exits 64 on a usage error.',
  ],
  environment: [
    ['XDG_STATE_HOME', 'where journals go by default: `$XDG_STATE_HOME/gpg-gate/`, or `~/.local/state/gpg-gate/`.'],
    [
      'TMPDIR',
      'where `run` makes the 0700 directory of its socket (`gpg-gate-*`) and, with `--sign-in-supervisor`, its ' +
        'private copies of the data to sign (`gpg-gate-payload-*`).',
    ],
    [
      'PATH',
      'COMMAND gets the shim directory first on its `PATH`. With `--backend gnupg` the supervisor signs with the ' +
        'first `gpg` on its own `PATH` that is not a shim.',
    ],
    ['GPG_GATE_REAL_GPG', 'the absolute path of the real gpg, for `--backend gnupg` (and for the shim).'],
    [
      'GNUPGHOME',
      "`run --sign-in-supervisor` warns when COMMAND would inherit a GNUPGHOME (or `~/.gnupg`) that is the signer's " +
        "own. With `--agent-gate`, `run` sets it for COMMAND to the job's own home (public keys, the redirect to " +
        'the proxy).',
    ],
    [
      'GPG_GATE_AGENT_SOCKET',
      "set by `run --agent-gate` for COMMAND: the proxy's socket, to forward it elsewhere (`ssh -R`, a sandbox).",
    ],
    [
      'GPG_GATE_SOCKET, GPG_GATE_TOKEN, GPG_GATE_JOB',
      'set by `run` for COMMAND: the socket as the supervisor sees it, the random secret of the attempt, and the job ' +
        'id. Never put the token in an argument. GPG_GATE_BACKEND is set to `supervisor`, and GPG_GATE_KEY removed, ' +
        'with `--sign-in-supervisor`. See *gpg-gate-shim*(1).',
    ],
    ['GPG_GATE_JOB, GPG_GATE_ATTEMPT', 'set for the commit hook; the hook never gets GPG_GATE_TOKEN.'],
    [
      'GPG_GATE_INHERITED_SIGNALS',
      'set by the `/bin/sh` start of `gpg-gate` and of the shim for the node process it execs: the signals the ' +
        'caller blocked and ignored. Internal; never passed on to COMMAND.',
    ],
    ['GPG_GATE_TEST_FAULT, GPG_GATE_TEST_FAULT_DIR', 'fault injection for the test suite only: never set them.'],
  ],
  files: [
    [
      '$XDG_STATE_HOME/gpg-gate/JOB.jsonl',
      'the journal of job JOB unless `--journal` says otherwise (directories made 0700, the file 0600; ' +
        '`~/.local/state/gpg-gate/` without XDG_STATE_HOME).',
    ],
    [
      '/usr/lib/gpg-gate/shim/gpg',
      'the shim, as installed by the Debian package (`gpg-gate shim-dir` prints its directory; in a source ' +
        'checkout it is `dist/shim/`). It must never be installed as `/usr/bin/gpg`.',
    ],
    [
      '/usr/share/doc/gpg-gate/protocol.md',
      'the wire protocol, the events and decisions of `--events-fd` and `--decisions-fd`, and every journal record.',
    ],
  ],
  examples: [
    [
      'A signed release tag as one job; the hook runs once, at the first signature:',
      ["gpg-gate run --on-commit ./record-release -- sh -c 'git tag -s v1.0 -m v1.0 && git push origin v1.0'"],
    ],
    [
      'An upload that may be retried while nothing is committed, then its outcome from the journal:',
      [
        'gpg-gate run --on-commit ./record-upload --retries 3 --journal job.jsonl -- dgit push-source',
        'gpg-gate status --journal job.jsonl',
      ],
    ],
    [
      'A key health check that commits nothing real:',
      ["gpg-gate run --auto-commit -- sh -c 'echo test | gpg -u FPR --clearsign >/dev/null'"],
    ],
    [
      "Every signature gated at the key holder's agent, the build seeing only public keys:",
      ['gpg-gate run --agent-gate --gnupghome ~/.gnupg-release --on-commit ./record-upload -- dgit push-source'],
    ],
    [
      'A self-contained shim for a chroot that has node but not this package:',
      ['gpg-gate install-shim /srv/chroot/unstable-amd64/usr/local/bin'],
    ],
  ],
  seeAlso:
    '*gpg-gate-shim*(1), *gpg*(1), *git*(1), *debsign*(1), *dgit*(1), *GpgGate::Run*(3pm); ' +
    '`/usr/share/doc/gpg-gate/README.md`, `protocol.md` and `security.md`.',
};

/** gpg-gate-shim(1). */
export const shim = {
  summary: 'the gpg shim of gpg-gate: read-only calls pass through, signing calls wait for the supervisor',
  synopsis: '*shim-directory*`/gpg` [*gpg options*] [*command*] [*args*]',
  description: [
    'The shim is a fake `gpg`, a Node.js program found by name on `PATH`. `gpg-gate run` puts its directory ' +
      '(`/usr/lib/gpg-gate/shim` in the Debian package; `gpg-gate shim-dir` prints it) first on the `PATH` of the ' +
      'command it supervises, so that git, debsign, dgit and anything else that runs `gpg` by name reach it. ' +
      '`gpg-gate install-shim` *dir* writes a self-contained copy for a chroot or another host; it needs node 20 or ' +
      'later there, and no other file.',
    "The shim parses its arguments and gpg's configuration files exactly as gpg 2.2 does, to decide whether the call " +
      'would create a signature. Anything that names gpg by absolute path (`git -c gpg.program=/usr/bin/gpg`, ' +
      '`debsign -p/usr/bin/gpg`) bypasses it.',
  ],
  passthrough: [
    'A call that creates no signature (`--version`, `--verify`, `--list-keys`, `--list-secret-keys`, `--export`, ' +
      '`--import`, decryption, encryption without signing, …) is run by the real gpg with the same arguments, ' +
      'standard input, output and error and the same extra descriptors, and the shim exits with its status. Such ' +
      'calls pass through whether or not a supervisor is there.',
    "The real gpg is GPG_GATE_REAL_GPG, else the next `gpg` on `PATH` after the shim's own directory that is not a " +
      'copy of the shim (then from the start of `PATH`); a shim that finds itself called back by the gpg it started ' +
      'fails at once, so it never recurses. The real gpg runs with the signals the caller of the shim blocked or ' +
      'ignored still blocked or ignored.',
  ],
  gated: [
    'A call that would create a signature is gated: data signatures (`--sign`, `--detach-sign`, `--clear-sign`, ' +
      'also combined with encryption) and key signatures (`--sign-key`, `--quick-sign-key`, `--edit-key`, key ' +
      'generation, revocations, adding user ids or subkeys, …). The shim copies the input into a private spool ' +
      'while hashing it, sends a signing request to the supervisor of GPG_GATE_SOCKET with the token of ' +
      'GPG_GATE_TOKEN, and waits. Only a `proceed` answer lets it sign the spooled bytes, with the backend of ' +
      'GPG_GATE_BACKEND; it then reports the result and exits with the status of the signing step.',
    'Any doubt means no signature: a refusal, an unknown option, a supervisor that cannot be reached or does not ' +
      'answer within GPG_GATE_TIMEOUT, an invalid GPG_GATE_* value. The shim then prints ' +
      '`gpg: signing refused by gpg-gate:` and the reason, writes `[GNUPG:] FAILURE sign 99` on the status ' +
      'descriptor if one was given, and exits 2.',
    'Without GPG_GATE_SOCKET a signing call is refused (exit 2, naming GPG_GATE_UNSUPERVISED) unless ' +
      'GPG_GATE_UNSUPERVISED is `passthrough`.',
  ],
  /** The README's "Environment contract" table says exactly this. */
  environment: [
    ['GPG_GATE_SOCKET', 'supervisor socket; unset = unsupervised'],
    ['GPG_GATE_TOKEN', "the job's random secret; a request without it is refused"],
    ['GPG_GATE_JOB', 'job id (informational)'],
    [
      'GPG_GATE_REAL_GPG',
      "the real gpg; default: the next `gpg` on PATH after the shim's own entry that is not a shim (then from PATH's " +
        "start); a wrapper in front of the shim (dgit's test stunt, ccache-style) works, one that loops back to the " +
        "shim fails at once (the shim marks the real gpg's environment with `GPG_GATE_SHIM_DELEGATED_TO`)",
    ],
    [
      'GPG_GATE_BACKEND',
      '`gnupg` (default), `openpgp` (sign in the shim with `GPG_GATE_KEY`), `supervisor` (set by `run ' +
        '--sign-in-supervisor`)',
    ],
    ['GPG_GATE_KEY', 'armored secret key file for the openpgp backend'],
    ['GPG_GATE_UNSUPERVISED', '`refuse` (default: signing without a supervisor fails with exit 2) or `passthrough`'],
    ['GPG_GATE_TIMEOUT', 'seconds the shim waits for a decision before failing closed'],
    ['GPG_GATE_LOG', "append-only log file, one JSON line per invocation (git hides gpg's stderr)"],
  ],
  environmentMore: [
    'The default of GPG_GATE_TIMEOUT is 900 seconds, longer than the default `--commit-timeout` of `gpg-gate run`, ' +
      "so that the supervisor, not the shim's clock, decides. GNUPGHOME, HOME and `--homedir` are read as gpg " +
      'reads them, to find its configuration files. TMPDIR is where the spool goes.',
  ],
  exitStatus: [
    'The exit status of the real gpg for a call passed through or signed (128+n if gpg died of signal n); 2 when ' +
      'the shim refuses or fails.',
  ],
  files: [
    [
      '$TMPDIR/gpg-gate-spool-*',
      'the private (0700) copy of the data being signed, removed when the shim exits; a shim killed by SIGKILL ' +
        'leaves it behind.',
    ],
    [
      '/etc/gnupg/gpg.conf, ~/.gnupg/gpg.conf',
      "gpg's configuration files (the global one, then the first of gpg.conf-2.2.40, gpg.conf-2.2, gpg.conf-2 and " +
        'gpg.conf in the home, or `--options`), read as gpg 2.2 reads them.',
    ],
  ],
  seeAlso: '*gpg-gate*(1), *gpg*(1); `/usr/share/doc/gpg-gate/protocol.md` and `security.md`.',
};

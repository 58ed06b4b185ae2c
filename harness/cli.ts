// The `gpg-gate` command line: options in, exit status out. A job's status comes from harness/commit-state.ts
// (docs/design.md, "Commit state"); here only start-up failures become one: 64 usage, 75 nothing ran, 1 refused.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AutoCommitStep, EmbedderCommitStep, HookCommitStep, type CommitStep } from './commit-step.js';
import { DecisionChannel } from './decision-channel.js';
import { EventStream } from './events.js';
import { readableFd, writableFd } from './fd-streams.js';
import { HarnessError, describeError } from './harness-error.js';
import { installShim } from './install-shim.js';
import { inheritedSignals } from '../common/signal-state.js';
import { EXIT_NOTHING_COMMITTED, EXIT_USAGE } from '../common/exit-status.js';
import { Job } from './job.js';
import { checkJobId, defaultJournal, newJobId, shimDir } from './paths.js';
import { RECORD_VERSION, type EventLine } from './records.js';
import {
  describeSigner,
  keyReachableWarning,
  openSigner,
  signerOptions,
  type SignerFlags,
} from './signer/open-signer.js';
import { journalStatus } from './status.js';
import { Timeline, printable } from './timeline.js';

const EXIT_FAILURE = 1;

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    }
    return n;
  };
}

function seconds(min: number, inclusive: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || (!inclusive && n === min)) {
      throw new InvalidArgumentError(`expected a number of seconds ${inclusive ? '≥' : '>'} ${min}`);
    }
    return n;
  };
}

interface RunOptions extends SignerFlags {
  onCommit?: string;
  autoCommit?: boolean;
  eventsFd?: number;
  decisionsFd?: number;
  journal?: string;
  job?: string;
  retries: number;
  retryDelay: number;
  commitTimeout: number;
  socket?: string;
  quiet?: boolean;
  json?: boolean;
  agentGate?: boolean;
  /** commander's --no-shim: false when given. */
  shim: boolean;
}

/** --agent-gate's key home (--gnupghome), checked; null without --agent-gate. */
function agentGateOptions(opts: RunOptions): { keyHome: string; shim: boolean } | null {
  if (!opts.agentGate) {
    if (!opts.shim) throw new HarnessError('usage', '--no-shim goes with --agent-gate (nothing else would gate)');
    return null;
  }
  if (opts.signInSupervisor)
    throw new HarnessError('usage', '--agent-gate and --sign-in-supervisor exclude each other');
  if (opts.gnupghome === undefined) throw new HarnessError('usage', '--agent-gate needs --gnupghome KEYHOME');
  const keyHome = resolve(opts.gnupghome);
  if (!existsSync(keyHome) || !statSync(keyHome).isDirectory()) {
    throw new HarnessError('usage', `--gnupghome ${keyHome} is not a directory`);
  }
  return { keyHome, shim: opts.shim };
}

const stderrLine = (line: string) => process.stderr.write(line + '\n');

async function run(command: string[], opts: RunOptions): Promise<number> {
  const modes = [opts.onCommit !== undefined, opts.autoCommit === true, opts.decisionsFd !== undefined];
  if (modes.filter(Boolean).length !== 1) {
    throw new HarnessError('usage', 'exactly one of --on-commit, --auto-commit, --decisions-fd is required');
  }
  if (opts.quiet && opts.json) throw new HarnessError('usage', '--quiet and --json exclude each other');
  const job = opts.job === undefined ? newJobId() : checkJobId(opts.job);
  const agentGate = agentGateOptions(opts);
  const { gnupghome: _keyHome, ...withoutHome } = opts;
  const signing = signerOptions(agentGate ? withoutHome : opts);
  const timeline = new Timeline(stderrLine);
  const note = (text: string) =>
    opts.quiet || opts.json ? stderrLine(`gpg-gate: ${printable(text)}`) : timeline.note(text);
  const events = opts.eventsFd === undefined ? null : new EventStream(writableFd(opts.eventsFd, '--events-fd'), note);
  const announce = (line: EventLine) => {
    events?.write(line);
    if (opts.json) stderrLine(JSON.stringify(line));
    else if (!opts.quiet || line.event === 'journal-failed') timeline.event(line);
  };
  let commit: CommitStep;
  let channel: DecisionChannel | null = null;
  if (opts.onCommit !== undefined) commit = new HookCommitStep(opts.onCommit);
  else if (opts.autoCommit) commit = new AutoCommitStep();
  else {
    channel = new DecisionChannel(readableFd(opts.decisionsFd as number, '--decisions-fd'));
    commit = new EmbedderCommitStep(channel, (input) =>
      announce({
        v: RECORD_VERSION,
        time: new Date().toISOString(),
        job: input.job,
        event: 'commit-wanted',
        attempt: input.attempt,
        id: input.id,
        request: input.request,
      }),
    );
  }
  try {
    // The key is read (and unlocked) once, before anything runs: a key that cannot sign is a usage error.
    const signer = signing && { signer: await openSigner(signing), description: describeSigner(signing) };
    const reachable = signing && keyReachableWarning(signing);
    if (reachable) note(reachable);
    const result = await new Job({
      command,
      job,
      jobExplicit: opts.job !== undefined,
      journal: opts.journal ?? defaultJournal(job),
      commit,
      onCommit: opts.onCommit ?? null,
      retries: opts.retries,
      retryDelayMs: Math.round(opts.retryDelay * 1000),
      commitTimeoutMs: Math.round(opts.commitTimeout * 1000),
      socket: opts.socket ?? null,
      shimDir: shimDir(),
      eventsFd: opts.eventsFd ?? null,
      decisionsFd: opts.decisionsFd ?? null,
      signer,
      agentGate,
      signals: inheritedSignals(process.env),
      announce,
      note,
    }).run();
    return result.exitCode;
  } finally {
    channel?.close();
    await events?.close();
  }
}

function program(): Command {
  const cli = new Command('gpg-gate')
    .description('a gate in front of OpenPGP signing: the first signature of a job is its commitment point')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  cli
    .command('run')
    .description('run COMMAND with the gpg shim first on PATH, gating its signatures')
    .usage('[options] -- COMMAND [ARG...]')
    .argument('<command...>', 'the command to supervise')
    .passThroughOptions()
    .option('--on-commit <cmd>', 'shell command run once per job at the first signing request (request JSON on stdin)')
    .option('--auto-commit', 'approve the commit without a hook (audit and retry only)')
    .option('--events-fd <n>', 'write one JSON event per line to descriptor N', integer(0))
    .option('--decisions-fd <n>', 'read commit decisions (JSON lines) from descriptor N', integer(0))
    .option('--journal <file>', 'the job journal (default $XDG_STATE_HOME/gpg-gate/JOB.jsonl)')
    .option('--job <id>', 'job identifier (default: random)')
    .addOption(
      new Option('--retries <n>', 're-run COMMAND up to N more times while it fails before the commitment point')
        .argParser(integer(0))
        .default(0),
    )
    .addOption(
      new Option('--retry-delay <seconds>', 'base delay between attempts, doubling')
        .argParser(seconds(0, true))
        .default(1),
    )
    .addOption(
      new Option('--commit-timeout <seconds>', 'how long the commit step may take (fail closed)')
        .argParser(seconds(0, false))
        .default(600),
    )
    .option('--socket <path>', 'where to listen (default: a fresh 0700 directory)')
    .option('--sign-in-supervisor', 'the supervisor makes the signatures; the build environment never holds the key')
    .addOption(
      new Option('--backend <name>', 'how the supervisor signs (with --sign-in-supervisor)').choices([
        'gnupg',
        'openpgp',
      ]),
    )
    .option(
      '--agent-gate',
      "gate every signature at the key holder's gpg-agent (PKSIGN); the command gets a GNUPGHOME without secret keys",
    )
    .option('--no-shim', 'with --agent-gate: leave PATH alone (read-only gpg calls run the real gpg directly)')
    .option('--gnupghome <dir>', 'the GNUPGHOME holding the signing key (--agent-gate, or --backend gnupg)')
    .option('--key <file>', '--backend openpgp: the secret key file, read and unlocked once at start-up')
    .option('--passphrase-file <file>', "the signing key's passphrase (first line), for either backend")
    .option('--quiet', 'print nothing but errors')
    .option('--json', 'print every event as a JSON line on stderr instead of the timeline')
    .action(async (command: string[], opts: RunOptions) => {
      try {
        process.exitCode = await run(command, opts);
      } catch (err) {
        // A job that could not start (no socket, no journal) ran nothing: nothing was committed. A refused journal
        // (one that says something was, or may have been) and usage errors keep their own status.
        if (!(err instanceof HarnessError) || err.code === 'usage' || err.code === 'refused') throw err;
        process.stderr.write(`gpg-gate: ${err.message}\n`);
        process.exitCode = EXIT_NOTHING_COMMITTED;
      }
    });

  cli
    .command('status')
    .description("print a job's outcome, derived from its journal alone, as JSON")
    .requiredOption('--journal <file>', 'the job journal')
    .action((opts: { journal: string }) => {
      process.stdout.write(JSON.stringify(journalStatus(opts.journal), null, 2) + '\n');
      process.exitCode = 0;
    });

  cli
    .command('shim-dir')
    .description('print the directory holding the gpg shim')
    .action(() => {
      process.stdout.write(shimDir() + '\n');
    });

  cli
    .command('install-shim')
    .description('write a self-contained gpg shim (mode 0755) into DIR')
    .argument('<dir>')
    .action((dir: string) => {
      for (const file of installShim(dir)) process.stdout.write(file + '\n');
    });

  return cli;
}

function exitFor(err: HarnessError): number {
  return err.code === 'usage' ? EXIT_USAGE : EXIT_FAILURE;
}

async function main(): Promise<void> {
  try {
    await program().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : EXIT_USAGE;
    } else if (err instanceof HarnessError) {
      process.stderr.write(`gpg-gate: ${err.message}\n`);
      process.exitCode = exitFor(err);
    } else {
      process.stderr.write(`gpg-gate: internal error: ${describeError(err)}\n`);
      process.exitCode = EXIT_FAILURE;
    }
  }
  // Descriptors handed to us (--decisions-fd) may keep the event loop alive; the job is over. But first let stdout
  // drain: on a pipe it is asynchronous, and exit() would cut a long `status` short. A reader that left (EPIPE) is
  // not an error of ours.
  process.stdout.on('error', () => undefined);
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit();
}

await main();

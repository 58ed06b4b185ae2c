// The gnupg signer: the real gpg in the operator's GNUPGHOME (--gnupghome DIR), spawned without a shell for each
// signature, with an argv built from the validated request fields only.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HarnessError, describeError } from '../harness-error.js';
import { BoundedText, MAX_STDERR_BYTES, StatusLines } from './bounded-text.js';
import { findGpgProgram } from './gpg-program.js';
import type { SignatureOutcome, SignatureSpec, Signer, SignInput } from './signer.js';

export interface GnupgSignerOptions {
  gnupghome: string;
  /** The operator's passphrase file for a protected key: gpg reads it in loopback pinentry mode. */
  passphraseFile: string | null;
  /** The supervisor's environment (GNUPGHOME is replaced; gpg-agent and pinentry settings are kept). */
  env?: NodeJS.ProcessEnv;
  gpg?: string;
}

const MODE_COMMAND = { detach: '--detach-sign', clearsign: '--clearsign', inline: '--sign' } as const;

/** gpg's argv for one signature. Request data appears only as option values and never as an option itself. */
export function gnupgArgv(
  home: string,
  passphraseFile: string | null,
  input: SignInput,
  spec: SignatureSpec,
): string[] {
  return [
    '--homedir',
    home,
    '--batch',
    '--no-tty',
    '--status-fd',
    '3',
    ...(passphraseFile === null ? [] : ['--pinentry-mode', 'loopback', '--passphrase-file', passphraseFile]),
    '--output',
    input.output,
    ...(spec.armor ? ['--armor'] : []),
    ...(spec.textmode ? ['--textmode'] : []),
    ...(spec.digestAlgo === null ? [] : ['--digest-algo', spec.digestAlgo]),
    ...spec.localUsers.flatMap((user) => ['--local-user', user]),
    // The literal data packet records the caller's file name, not the supervisor's spool name.
    ...(spec.mode === 'inline' && !spec.fromStdin ? ['--set-filename', spec.literalName] : []),
    MODE_COMMAND[spec.mode],
    '--',
    // Data from standard input is given to gpg on its standard input, so that it records it as gpg would.
    ...(spec.fromStdin ? [] : [input.data]),
  ];
}

function replaceAll(text: string, from: string, to: string): string {
  return from === '' ? text : text.split(from).join(to);
}

export class GnupgSigner implements Signer {
  readonly backend = 'gnupg' as const;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly gnupghome: string,
    readonly gpg: string,
    private readonly passphraseFile: string | null,
    env: NodeJS.ProcessEnv,
  ) {
    this.env = { ...env, GNUPGHOME: gnupghome };
    for (const name of Object.keys(this.env)) if (name.startsWith('GPG_GATE_')) delete this.env[name];
  }

  /** Checks the home and that it holds a secret key, once at start-up. Throws HarnessError('usage'). */
  static async open(options: GnupgSignerOptions): Promise<GnupgSigner> {
    const home = resolve(options.gnupghome);
    let isDir = false;
    try {
      isDir = statSync(home).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new HarnessError('usage', `--gnupghome ${options.gnupghome} is not a directory`);
    const passphraseFile = options.passphraseFile === null ? null : resolve(options.passphraseFile);
    if (passphraseFile !== null && !existsSync(passphraseFile)) {
      throw new HarnessError('usage', `--passphrase-file ${options.passphraseFile} does not exist`);
    }
    const signer = new GnupgSigner(home, options.gpg ?? findGpgProgram(), passphraseFile, options.env ?? process.env);
    const secrets = await signer.countSecretKeys();
    if (secrets === 0) throw new HarnessError('usage', `--gnupghome ${options.gnupghome} holds no secret key`);
    return signer;
  }

  private countSecretKeys(): Promise<number> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(this.gpg, ['--homedir', this.gnupghome, '--batch', '--with-colons', '--list-secret-keys'], {
        env: this.env,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
      child.once('error', (err) =>
        reject(new HarnessError('usage', `cannot run ${this.gpg}: ${describeError(err)}`, { cause: err })),
      );
      child.once('close', () => resolvePromise(out.split('\n').filter((l) => l.startsWith('sec:')).length));
    });
  }

  // async: a failure to open the data is a rejection, not a throw
  async sign(input: SignInput, spec: SignatureSpec): Promise<SignatureOutcome> {
    const argv = gnupgArgv(this.gnupghome, this.passphraseFile, input, spec);
    const stdin = spec.fromStdin ? openSync(input.data, 'r') : 'ignore';
    return new Promise((resolvePromise) => {
      const stderr = new BoundedText(MAX_STDERR_BYTES);
      const status = new StatusLines();
      const child = spawn(this.gpg, argv, { env: this.env, stdio: [stdin, 'ignore', 'pipe', 'pipe'], argv0: 'gpg' });
      if (typeof stdin === 'number') closeSync(stdin);
      child.stderr?.on('data', (d: Buffer) => stderr.push(d));
      (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (d: Buffer) => status.push(d));
      let failed: string | null = null;
      child.once('error', (err) => (failed = `gpg-gate: cannot run ${this.gpg}: ${describeError(err)}`));
      child.once('close', (code, signal) => {
        // Messages name the caller's files, not the supervisor's private copies.
        let text = replaceAll(stderr.text(), input.data, spec.inputName);
        text = replaceAll(text, input.output, spec.outputName);
        if (failed !== null) text += `gpg: ${failed}\n`;
        if (signal !== null) text += `gpg: gpg-gate: gpg died of ${signal}\n`;
        resolvePromise({
          exit: failed !== null || signal !== null ? 2 : (code ?? 2),
          status: status.end(),
          stderr: text,
          output: existsSync(input.output) ? input.output : null,
        });
      });
    });
  }
}

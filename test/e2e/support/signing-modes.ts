// Who makes the signatures in an end-to-end job. Every e2e test runs once per mode this build of `gpg-gate run`
// offers: the gnupg backend in the shim (the command's GNUPGHOME holds the secret keys), and, once `run` has
// `--sign-in-supervisor`, the supervisor signing with its own GNUPGHOME while the command sees public keys only.
import { execFileSync } from 'node:child_process';
import { CLI } from '../../helpers/gate-run.js';
import { makeEmptyGnupgHome, makeGnupgHome, type GnupgHome } from '../../helpers/gnupg-home.js';
import { testKeys, type TestKeyName } from '../../helpers/test-keys.js';

export type SigningModeName = 'gnupg backend' | 'sign-in-supervisor (gnupg)';

export interface SigningSetup {
  mode: SigningModeName;
  /** The home holding the secret keys (the command's, or the supervisor's). */
  signingHome: GnupgHome;
  /** GNUPGHOME of the supervised command: the signing home, or one without secret keys (empty, or public keys only). */
  commandHome: GnupgHome;
  /** Options for `gpg-gate run` that select the mode. */
  runArgs: string[];
  /** The `backend` every sign-request of the job must carry (who signs after "proceed"). */
  requestBackend: 'gnupg' | 'supervisor';
  cleanup(): void;
}

/** The keys every e2e job can sign with. */
export const E2E_KEYS: TestKeyName[] = ['ed25519', 'rsa3072'];

/** A home with the public keys only, fully trusted, so that verification works where no secret key may be. */
export function makePublicHome(names: TestKeyName[] = E2E_KEYS): GnupgHome {
  const home = makeEmptyGnupgHome();
  const keys = testKeys();
  for (const name of names) {
    execFileSync('gpg', ['--batch', '--import', keys[name].publicFile], { env: home.env, stdio: 'ignore' });
    execFileSync('gpg', ['--batch', '--import-ownertrust'], {
      env: home.env,
      input: `${keys[name].fingerprint}:6:\n`,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  }
  // The point of this home: nothing in it can sign.
  const secret = execFileSync('gpg', ['--batch', '--list-secret-keys', '--with-colons'], {
    env: home.env,
    encoding: 'utf8',
  });
  if (secret.trim() !== '') throw new Error(`${home.dir} holds a secret key`);
  return home;
}

export interface SetupOptions {
  /** The command verifies signatures itself (git verify-tag, dgit), so its home needs the public keys. */
  commandVerifies?: boolean;
}

function gnupgBackend(): SigningSetup {
  const home = makeGnupgHome(E2E_KEYS);
  return {
    mode: 'gnupg backend',
    signingHome: home,
    commandHome: home,
    runArgs: [],
    requestBackend: 'gnupg',
    cleanup: () => home.cleanup(),
  };
}

function signInSupervisor(options: SetupOptions = {}): SigningSetup {
  const signingHome = makeGnupgHome(E2E_KEYS);
  const commandHome = options.commandVerifies ? makePublicHome() : makeEmptyGnupgHome();
  return {
    mode: 'sign-in-supervisor (gnupg)',
    signingHome,
    commandHome,
    runArgs: ['--sign-in-supervisor', '--backend', 'gnupg', '--gnupghome', signingHome.dir],
    requestBackend: 'supervisor',
    cleanup() {
      signingHome.cleanup();
      commandHome.cleanup();
    },
  };
}

type Setup = (options?: SetupOptions) => SigningSetup;

const MODES: { name: SigningModeName; available: () => boolean; setup: Setup }[] = [
  { name: 'gnupg backend', available: () => true, setup: gnupgBackend },
  {
    name: 'sign-in-supervisor (gnupg)',
    available: () => runHelp().includes('--sign-in-supervisor'),
    setup: signInSupervisor,
  },
];

let help: string | undefined;
function runHelp(): string {
  help ??= execFileSync(process.execPath, [CLI, 'run', '--help'], { encoding: 'utf8' });
  return help;
}

/**
 * The modes `gpg-gate run` offers in this build, for `describe.each`. A mode is listed only when `run --help` shows
 * its option, so nothing is skipped: a mode that does not exist yet is simply not a test yet.
 */
export function signingModes(): { name: SigningModeName; setup: Setup }[] {
  return MODES.filter((m) => m.available()).map(({ name, setup }) => ({ name, setup }));
}

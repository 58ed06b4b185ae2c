// argv forms with their expected classification. Every runnable entry is also run through the real gpg
// (bisimulation.test.ts), which must agree: sign ⇔ gpg made a signature. Placeholders: {K} {KID} {UID} {EMAIL} the
// ed25519 key, {KR} {UIDR} rsa3072, {KS} the key with a signing subkey, {KP} the passphrase key and {PASS} its
// passphrase, {H} the GnuPG home holding them, {EMPTY} an empty home.
import type { CallFacts, Classification } from '../../shim/argv/types.js';

export type Expect = Partial<Omit<CallFacts, 'fds'>> & {
  kind: Classification['kind'];
  signs?: 'data' | 'keys';
  mode?: 'detach' | 'clearsign' | 'inline' | 'keys';
  error?: string;
  fds?: Partial<CallFacts['fds']>;
};

export interface CorpusEntry {
  /** What the entry shows (defaults to the argv). */
  note?: string;
  argv: string[];
  expect: Expect;
  /** stdin of the real gpg (default "hello\n"). */
  stdin?: string;
  /** Files in the working directory (default f.txt and g.txt). */
  files?: Record<string, string>;
  /** Files written into the GnuPG home before the call. */
  homeFiles?: Record<string, string>;
  env?: Record<string, string | null>;
  /** gpg calls made before the observed one (not observed), e.g. to create a signature to verify. */
  setup?: { argv: string[]; stdin?: string }[];
  /** Content of the global config file: classifier only, real gpg would need /etc/gnupg/gpg.conf. */
  globalConfig?: string;
  /** Why the real gpg is not run for this entry (the classification is still asserted). */
  noRun?: string;
  /** For `sign`: gpg is expected to fail at run time before signing (e.g. no such key); text of its error. */
  runtimeFailure?: string;
  /** Expected exit status of the real gpg, where it matters. */
  exit?: number;
}

const FILES = { 'f.txt': 'hello\n', 'g.txt': 'world\n' };
export const DEFAULT_FILES: Record<string, string> = FILES;
export const DEFAULT_STDIN = 'hello\n';

const PARAMS =
  'Key-Type: eddsa\nKey-Curve: ed25519\nName-Real: Generated\nName-Email: generated@example.invalid\nExpire-Date: 0\n%no-protection\n%commit\n';
const sign = (argv: string[], expect: Partial<Expect> = {}, more: Partial<CorpusEntry> = {}): CorpusEntry => ({
  argv,
  expect: { kind: 'sign', ...expect },
  ...more,
});
const keys = (argv: string[], more: Partial<CorpusEntry> = {}): CorpusEntry => ({
  argv,
  expect: { kind: 'sign', signs: 'keys', mode: 'keys' },
  ...more,
});
const pass = (argv: string[], expect: Partial<Expect> = {}, more: Partial<CorpusEntry> = {}): CorpusEntry => ({
  argv,
  expect: { kind: 'passthrough', ...expect },
  ...more,
});
const error = (argv: string[], message: string, more: Partial<CorpusEntry> = {}): CorpusEntry => ({
  argv,
  expect: { kind: 'error', error: message },
  ...more,
});
const usage = (text: string): string => `usage: gpg [options] ${text}`;
const conflict = 'conflicting commands';

const YES = ['--batch', '--yes'];
const EDIT = ['--no-tty', '--command-fd', '0'];

export const corpus: CorpusEntry[] = [
  // §1 data signatures
  sign(['-s'], { signs: 'data', mode: 'inline', effectiveOutput: '-', args: [], commands: ['sign'] }),
  sign(['--sign'], { mode: 'inline', effectiveOutput: '-' }),
  sign(['-s', 'f.txt'], { mode: 'inline', effectiveOutput: 'f.txt.gpg', args: ['f.txt'] }),
  sign(['-sa', 'f.txt'], { mode: 'inline', armor: true, effectiveOutput: 'f.txt.asc' }),
  sign(['--clearsign'], { mode: 'clearsign', effectiveOutput: '-', commands: ['clear-sign'] }),
  sign(['--clear-sign', 'f.txt'], { mode: 'clearsign', effectiveOutput: 'f.txt.asc' }),
  sign(['--clearsign', '-o', '-', 'f.txt'], { mode: 'clearsign', output: '-', effectiveOutput: '-' }),
  sign(['-b', 'f.txt'], { mode: 'detach', effectiveOutput: 'f.txt.sig', commands: ['detach-sign'] }),
  sign(['-ba', 'f.txt'], { mode: 'detach', armor: true, effectiveOutput: 'f.txt.asc' }),
  sign(['-b'], { mode: 'detach', effectiveOutput: '-' }),
  sign(['--detach-sign'], { mode: 'detach', effectiveOutput: '-' }),
  sign(
    ['--detach-sign', 'f.txt', 'g.txt'],
    { mode: 'detach', effectiveOutput: 'g.txt.sig', args: ['f.txt', 'g.txt'] },
    { note: 'detached over two files: named after the last one' },
  ),
  sign(
    ['-b', 'g.txt', 'f.txt', '-'],
    { mode: 'detach', effectiveOutput: '-' },
    { note: 'last input is stdin: output to stdout' },
  ),
  sign(['-b', '-', 'f.txt'], { mode: 'detach', effectiveOutput: 'f.txt.sig' }),
  sign(['-e', '-s', '-r', '{K}'], {
    mode: 'inline',
    encrypt: true,
    symmetric: false,
    effectiveOutput: '-',
    commands: ['encrypt', 'sign'],
  }),
  sign(['-es', '-r', '{K}', 'f.txt'], { mode: 'inline', encrypt: true, effectiveOutput: 'f.txt.gpg' }),
  sign(['-esa', '-r', '{K}', 'f.txt'], { mode: 'inline', encrypt: true, effectiveOutput: 'f.txt.asc' }),
  sign(['-c', '-s', '--pinentry-mode', 'loopback', '--passphrase', 'x'], {
    mode: 'inline',
    symmetric: true,
    encrypt: false,
    secretArgIndexes: [5],
  }),
  sign(['-c', '-e', '-s', '-r', '{K}', '--pinentry-mode', 'loopback', '--passphrase', 'x'], {
    mode: 'inline',
    symmetric: true,
    encrypt: true,
  }),
  sign(['-e', '--detach-sign', '-r', '{K}', 'f.txt'], { mode: 'detach', encrypt: true, effectiveOutput: 'f.txt.sig' }),
  sign(['--detach-sign', '--clearsign'], { mode: 'clearsign', commands: ['detach-sign', 'clear-sign'] }),
  sign(['--clearsign', '--detach-sign', 'f.txt'], { mode: 'clearsign', effectiveOutput: 'f.txt.asc' }),
  sign(
    ['-b', '-c', '--pinentry-mode', 'loopback', '--passphrase', 'x', 'f.txt'],
    { mode: 'inline', symmetric: true, effectiveOutput: 'f.txt.gpg' },
    { note: '-b with -c makes an inline signature (sign_symencrypt_file)' },
  ),
  sign(['-sb'], { mode: 'detach' }),
  sign(['-s', '-s', 'f.txt'], { mode: 'inline', commands: ['sign'] }),
  sign(['-s', '--clearsign', 'f.txt'], { mode: 'clearsign', effectiveOutput: 'f.txt.asc' }),
  sign(
    ['-n', '-s', 'f.txt'],
    { mode: 'inline', effectiveOutput: '/dev/null' },
    { note: '--dry-run does not stop signing; the output goes to /dev/null' },
  ),
  sign(['-n', '-s'], { effectiveOutput: '-' }),
  sign(['-n', '-s', '-o', 'out.gpg', 'f.txt'], { output: 'out.gpg', effectiveOutput: '/dev/null' }),
  sign(['-sao', '-', 'f.txt'], { armor: true, output: '-', effectiveOutput: '-' }),
  sign(['-ao-', '-s'], { armor: true, output: '-', effectiveOutput: '-' }),
  sign(['-s', '-o', 'out.gpg', 'f.txt'], { output: 'out.gpg', effectiveOutput: 'out.gpg' }),
  sign(['--output=out.sig', '-b', 'f.txt'], { output: 'out.sig', effectiveOutput: 'out.sig' }),
  sign(['-s', '--textmode', 'f.txt'], { textmode: true }),
  sign(['-st'], { textmode: true }),
  sign(['-s', '--digest-algo', 'SHA512'], { digestAlgo: 'SHA512' }),
  sign(['-s', '--set-filename', 'name.txt', 'f.txt'], { setFilename: 'name.txt' }),
  sign(['-s', '--for-your-eyes-only'], { setFilename: '_CONSOLE' }),
  sign(['-u', '{K}', '-u', '{KR}', '-s'], { localUsers: ['{K}', '{KR}'] }),
  sign(['-u', '{KS}', '-b'], { localUsers: ['{KS}'] }, { note: 'signing subkey' }),
  sign(
    ['-s', '-u', 'nosuchkey@example.invalid'],
    { localUsers: ['nosuchkey@example.invalid'] },
    { runtimeFailure: 'No secret key', exit: 2 },
  ),
  sign(['--sign=foo'], { mode: 'inline' }, { note: 'a value on an option without argument is ignored' }),
  sign(['--armor=yes', '-s'], { armor: true }),
  sign(['-s', '--no-armor', '-a'], { armor: true }),
  sign(['-s', '-a', '--no-armor'], { armor: false }),
  sign(['--batch', '--yes', '-s'], { batch: true, yes: true }),
  sign(['--batch', '--no-batch', '-s'], { batch: false }),

  // §1 key signatures
  keys([...YES, '-u', '{K}', '--sign-key', '{KR}'], { note: 'certify another key' }),
  keys([...YES, '-u', '{K}', '--lsign-key', '{KR}']),
  keys([...YES, '-u', '{K}', '--sign-k', '{KR}'], { note: 'abbreviated --sign-key' }),
  keys(['-u', '{K}', '--quick-sign-key', '{KR}']),
  keys(['-u', '{K}', '--quick-lsign-key', '{KR}']),
  keys(['-u', '{K}', '--quick-sign-key', '{KR}', '{UIDR}']),
  keys([...EDIT, '-u', '{K}', '--edit-key', '{KR}', 'sign', 'save'], { stdin: 'y\n' }),
  keys([...YES, '-u', '{K}', '--edit-key', '{KR}', 'sign', 'save']),
  keys([...YES, '-u', '{K}', '--key-edit', '{KR}', 'lsign', 'save'], { note: '--key-edit is an alias of --edit-key' }),
  keys(['--edit-key', '{KR}'], {
    noRun: 'interactive: signs only if the user types "sign"; classified sign on judgement',
  }),
  keys(['--quick-add-uid', '{K}', 'Second <second@example.invalid>']),
  keys(['--quick-adduid', '{K}', 'Second <second@example.invalid>']),
  keys(['--batch', '--passphrase', '', '--quick-add-key', '{K}', 'ed25519', 'sign', '1y']),
  keys(['--quick-set-expire', '{K}', '2y']),
  keys(['--quick-set-primary-uid', '{K}', 'Second <second@example.invalid>'], {
    setup: [{ argv: ['--quick-add-uid', '{K}', 'Second <second@example.invalid>'] }],
  }),
  keys(['--quick-revoke-uid', '{K}', 'Second <second@example.invalid>'], {
    setup: [{ argv: ['--quick-add-uid', '{K}', 'Second <second@example.invalid>'] }],
  }),
  keys(['-u', '{K}', '--quick-revoke-sig', '{KR}', '{K}'], {
    setup: [{ argv: ['-u', '{K}', '--quick-sign-key', '{KR}'] }],
  }),
  keys(['--batch', '--passphrase', '', '--quick-gen-key', 'New <new@example.invalid>', 'ed25519', 'sign', 'never']),
  keys(['--batch', '--passphrase', '', '--quick-generate-key', 'New <new@example.invalid>', 'ed25519']),
  keys(['--batch', '--gen-key', 'params'], { files: { params: PARAMS } }),
  keys(['--batch', '--generate-key'], { stdin: PARAMS }),
  keys(['--batch', '--full-gen-key', 'params'], { files: { params: PARAMS } }),
  keys(['--batch', '--full-generate-key', 'params'], { files: { params: PARAMS } }),
  keys([...EDIT, '-o', 'rev.asc', '--gen-revoke', '{K}'], { stdin: 'y\n0\n\ny\n' }),
  keys([...EDIT, '--generate-revocation', '{K}'], { stdin: 'y\n0\n\ny\n' }),
  keys([...EDIT, '-u', '{K}', '-o', 'drev.asc', '--desig-revoke', '{KR}'], {
    stdin: 'y\n0\n\ny\n',
    setup: [{ argv: [...EDIT, '--edit-key', '{KR}', 'addrevoker'], stdin: '{K}\ny\nsave\n' }],
  }),
  keys(['--generate-designated-revocation', '{KR}'], { noRun: 'same command as --desig-revoke (observed above)' }),
  keys(['--gen-key'], { noRun: 'interactive (needs a terminal); creates self-signatures when it completes' }),
  keys(['--full-generate-key'], { noRun: 'interactive (needs a terminal)' }),
  keys(['--card-edit'], {
    noRun: 'no smartcard here; classified sign on judgement (it can generate keys on the card)',
  }),
  keys(['--edit-card'], { noRun: 'no smartcard here; classified sign on judgement' }),

  // §1 commands that do not sign
  pass(['--change-passphrase', '{K}'], { commands: ['change-passphrase'] }),
  pass(['--passwd', '{K}']),
  pass(['--export-secret-keys', '{K}']),
  pass(['--export-secret-subkeys', '{K}']),
  pass(['-e', '-r', '{K}'], { encrypt: true, effectiveOutput: '-' }),
  pass(['-e', '-r', '{K}', 'f.txt'], { encrypt: true, effectiveOutput: 'f.txt.gpg' }),
  pass(['-c', '--pinentry-mode', 'loopback', '--passphrase', 'x'], { symmetric: true }),
  pass(['--store']),
  pass(['--enarmor']),
  pass(
    ['--dearmor'],
    {},
    { stdin: '-----BEGIN PGP ARMORED FILE-----\n\naGVsbG8K\n=0Kgn\n-----END PGP ARMORED FILE-----\n' },
  ),
  pass(['--verify', 'sig.asc', 'f.txt'], {}, { setup: [{ argv: ['-u', '{K}', '-o', 'sig.asc', '-ba', 'f.txt'] }] }),
  pass(['--decrypt', 'msg.gpg'], {}, { setup: [{ argv: ['-e', '-r', '{K}', '-o', 'msg.gpg', 'f.txt'] }] }),
  pass(
    ['-d', 'signed.gpg'],
    {},
    {
      note: 'decrypting a signed message verifies, never signs',
      setup: [{ argv: ['-s', '-o', 'signed.gpg', 'f.txt'] }],
    },
  ),
  pass(['--list-keys']),
  pass(['-k', '{K}']),
  pass(['--list-secret-keys']),
  pass(['-K']),
  pass(['--list-sigs']),
  pass(['--check-sigs']),
  pass(['--fingerprint'], { commands: ['fingerprint'] }),
  pass(['--fingerprint', '--fingerprint', '{K}']),
  pass(['--list-packets', 'sig.asc'], {}, { setup: [{ argv: ['-o', 'sig.asc', '-ba', 'f.txt'] }] }),
  pass(['--import', 'key.asc'], {}, { setup: [{ argv: ['--export', '-a', '-o', 'key.asc', '{KR}'] }] }),
  pass(['--export', '-a', '{K}']),
  pass(['--print-md', 'SHA256', 'f.txt']),
  pass(['--print-mds', 'f.txt']),
  pass(['--version'], { commands: ['version'] }),
  pass(['--help'], { commands: ['help'] }),
  pass(['-h']),
  pass(['--dump-options']),
  pass(['--dump-option-table']),
  pass(['--warranty']),
  pass(
    ['f.txt'],
    { args: ['f.txt'], commands: [] },
    { note: 'no command: gpg guesses (list packets, verify, decrypt)' },
  ),
  pass([], { args: [] }),
  pass(
    ['--server'],
    {},
    { stdin: 'SIGN\nGENKEY\nBYE\n', note: 'the Assuan SIGN and GENKEY commands are not supported by gpg --server' },
  ),
  pass(['--recv-keys', '{K}'], {}, { note: 'no keyserver reachable here: fails fast' }),
  pass(['--search-keys', 'nobody'], {}, { noRun: 'keyserver command: needs the network' }),
  pass(['--send-keys', '{K}'], {}, { noRun: 'keyserver command: needs the network' }),
  pass(['--refresh-keys'], {}, { noRun: 'keyserver command: needs the network' }),
  pass(['--locate-keys', '{EMAIL}']),
  pass(['--gen-random', '0', '16']),
  pass(['--list-config', '--with-colons']),
  pass(['--gpgconf-list']),
  pass(['--gpgconf-test']),
  pass(['--check-trustdb']),
  pass(['--export-ownertrust']),
  pass(['--import-ownertrust'], {}, { stdin: '' }),
  pass(['--show-keys', 'key.asc'], {}, { setup: [{ argv: ['--export', '-a', '-o', 'key.asc', '{KR}'] }] }),
  pass(['--tofu-policy', 'good', '{K}']),
  pass(['--export-ssh-key', '{K}']),
  pass(['--rebuild-keydb-caches']),
  pass(['--card-status']),
  pass(['--list-trustdb']),

  // §1 conflicting commands
  error(['-s', '--verify'], conflict, { exit: 2 }),
  error(['-e', '--clearsign'], conflict),
  error(['-s', '-k'], conflict),
  error(['--clearsign', '-c'], conflict),
  error(['-s', '-e', '-b', '-r', '{K}'], conflict, { note: 'sign+encrypt then detach-sign (= sign) conflicts' }),
  error(['--decrypt', '--sign'], conflict),
  error(['--gen-key', '--sign'], conflict),
  error(['-s', '--verify', '--bogus'], conflict, { note: 'the first error wins' }),
  error(['--bogus', '-s', '--verify'], 'invalid option "--bogus"'),

  // §2.3 exact match, unique prefixes, ambiguity
  sign(['--clears'], { mode: 'clearsign', commands: ['clear-sign'] }),
  sign(['--clear'], { mode: 'clearsign' }),
  sign(['--cl'], { mode: 'clearsign' }),
  sign(['--clearsig'], { mode: 'clearsign' }),
  sign(['--det', 'f.txt'], { mode: 'detach', effectiveOutput: 'f.txt.sig' }),
  sign(['--detach', 'f.txt'], { mode: 'detach' }),
  sign(['--local-us', '{K}', '-s'], { localUsers: ['{K}'] }),
  sign(['--out', '-', '-s', 'f.txt'], { output: '-', effectiveOutput: '-' }),
  sign(['--armo', '-s'], { armor: true }, { note: 'armor and armour are one option: not ambiguous' }),
  sign(['--sign-with', '{K}', '-b'], { localUsers: ['{K}'] }),
  pass(['--vers'], { commands: ['version'] }),
  pass(['--list-secret', '--with-colons'], {}, { note: 'tag2upload-oracled health check' }),
  error(['--s'], 'option "--s" is ambiguous'),
  error(['--si'], 'option "--si" is ambiguous'),
  error(['--de'], 'option "--de" is ambiguous'),
  error(['--edit', '{KR}'], 'option "--edit" is ambiguous'),
  error(['--quick-add', '{K}', 'x'], 'option "--quick-add" is ambiguous'),
  error(['--status-f=2', '-s'], 'option "--status-f=2" is ambiguous'),
  error(['--gen'], 'option "--gen" is ambiguous'),
  error(['--sig', '-s'], 'option "--sig" is ambiguous'),
  error(['-s', '--de'], 'option "--de" is ambiguous'),
  error(['--Monitor', '-s'], 'invalid option "--Monitor"', {
    note: '--help section headers are in the table but not options',
  }),
  error(['--strict', '-s'], 'invalid option "--strict"'),
  error(['--bogus'], 'invalid option "--bogus"'),
  error(['-s', '--bogus'], 'invalid option "--bogus"'),
  error(['---sign'], 'invalid option "---sign"'),
  error(['--=x', '-s'], 'invalid option "--=x"'),

  // §2.4 --opt=value
  sign(['--local-user={K}', '-s'], { localUsers: ['{K}'] }),
  sign(['--status-fd=2', '-s'], { fds: { status: 2 }, extraFds: [] }),
  sign(['--status-fd=abc', '-s'], { fds: { status: 0 } }, { note: 'strtol: "abc" is 0' }),
  sign(['--status-fd', ' 2x', '-s'], { fds: { status: 2 } }),
  error(['--status-fd=99999999999', '-s'], 'invalid argument for option "--status-fd=99999999999"'),
  error(['--output=', '-s'], 'missing argument for option "--output="'),
  sign(['--passphrase=', '-s'], { passphrase: '', secretArgIndexes: [] }),
  sign(['--pinentry-mode=loopback', '--passphrase={PASS}', '-u', '{KP}', '-s'], {
    pinentryMode: 'loopback',
    passphrase: '{PASS}',
    secretArgIndexes: [1],
  }),

  // §2.5 required arguments take the next item, even `-x`; --passphrase's is optional
  pass(['-u', '--sign'], { localUsers: ['--sign'], commands: [] }),
  pass(['--comment', '--sign'], { commands: [] }),
  pass(['--local-user', '-s'], { localUsers: ['-s'] }),
  pass(['-o', '-s'], { output: '-s' }),
  pass(['-r', '-s', '-e'], { encrypt: true }, { note: 'recipient "-s", then encrypt' }),
  sign(['--passphrase', '-s'], { passphrase: '', secretArgIndexes: [] }),
  sign(['--passphrase', 'secret', '-s'], { passphrase: 'secret', secretArgIndexes: [1] }),
  sign(['--passphrase', '', '-s'], { passphrase: '', secretArgIndexes: [1] }),
  pass(
    ['--passphrase', '-'],
    { args: ['-'], passphrase: '' },
    { note: 'a following "-" is not taken by --passphrase' },
  ),
  sign(['--pinentry-mode', 'loopback', '--passphrase', '{PASS}', '-u', '{KP}', '-s'], {
    secretArgIndexes: [3],
    passphrase: '{PASS}',
  }),
  sign(
    ['--pinentry-mode', 'loopback', '--passphrase-file', 'pw.txt', '-u', '{KP}', '-bs'],
    { passphraseFile: 'pw.txt', fds: { passphrase: null } },
    { files: { 'pw.txt': '{PASS}\n' } },
  ),
  sign(
    ['--pinentry-mode', 'loopback', '--passphrase-fd', '0', '-u', '{KP}', '-s', 'f.txt'],
    { fds: { passphrase: 0 }, effectiveOutput: 'f.txt.gpg' },
    { stdin: '{PASS}\n' },
  ),
  sign(['--override-session-key', 'x', '-s'], { secretArgIndexes: [1] }),

  // §2.6 short clusters
  sign(
    ['--status-fd=2', '-bsau', '{K}'],
    { mode: 'detach', armor: true, localUsers: ['{K}'], effectiveOutput: '-', fds: { status: 2 } },
    { note: 'git tag -s / commit -S' },
  ),
  sign(['-bsau{K}'], { mode: 'detach', localUsers: ['{K}'] }),
  sign(['-abu', '{K}'], { mode: 'detach', armor: true }, { note: 'jj' }),
  sign(
    ['-u{K}', '--clearsign'],
    { mode: 'clearsign', localUsers: ['{K}'], effectiveOutput: '-' },
    { note: 'tag2upload-oracled' },
  ),
  pass(['-ubs'], { localUsers: ['bs'], commands: [] }),
  error(['-abu'], 'missing argument for option "-abu"'),
  sign(['-sz9'], {}),
  sign(['-sz', '9'], { args: [] }),
  pass(['-zs'], { commands: [] }, { note: '-z swallows "s" as its level' }),
  sign(['-sn'], {}),
  sign(['-svq'], {}),
  sign(['-sat', 'f.txt'], { armor: true, textmode: true, effectiveOutput: 'f.txt.asc' }),
  pass(['-sh'], { commands: ['help'] }, { note: '-h is help wherever it appears' }),
  pass(['-s?'], {}),
  pass(['-s', '--verify', '--help'], {}, { note: 'help is handled before anything else' }),
  pass(['--bogus', '--help'], {}),
  error(['-sX'], 'invalid option "-sX"'),
  error(['-u'], 'missing argument for option "-u"'),
  error(['-s', '--local-user'], 'missing argument for option "--local-user"'),
  error(['-bsau'], 'missing argument for option "-bsau"'),

  // §2.7 stop at the first non-option or `--`
  error(['-u', '{K}', 'f.txt', '--sign'], usage('[filename]'), {
    note: "gpg notes that '--sign' is not considered an option",
  }),
  pass(['--', '--sign'], { args: ['--sign'], argsStart: 1, optionsEnd: 0 }),
  sign(['-s', '--', 'f.txt'], { args: ['f.txt'], argsStart: 2, optionsEnd: 1, effectiveOutput: 'f.txt.gpg' }),
  sign(['-s', '-'], { args: ['-'], effectiveOutput: '-' }),
  error(['-s', '-', '-b'], usage('--sign [filename]')),
  error(['f.txt', '-s'], usage('[filename]')),
  error(['', '-s'], usage('[filename]')),
  sign(['-o', '--', '-s', 'f.txt'], { output: '--', effectiveOutput: '--' }, { note: '"--" as the value of -o' }),

  // version and help take effect where gpg handles them
  pass(['-s', '--version'], { commands: ['sign', 'version'] }),
  pass(['--version', '--bogus']),
  error(['--bogus', '--version'], 'invalid option "--bogus"'),
  pass(['--pinentry-mode', 'bogus', '--version']),
  error(['--pinentry-mode', 'bogus', '-s'], "invalid pinentry mode 'bogus'"),

  // checks gpg makes after parsing, before signing
  error(['--s2k-mode', '2', '-s'], 'invalid S2K mode; must be 0, 1 or 3'),
  error(['--completes-needed', '0', '-s'], 'completes-needed must be greater than 0'),
  error(['--max-cert-depth', '256', '-s'], 'max-cert-depth must be in the range from 1 to 255'),
  error(['--compliance', 'bogus', '-s'], "invalid value for option '--compliance'", { exit: 1 }),
  error(['--tofu-default-policy', 'bogus', '-s'], "unknown TOFU policy 'bogus'", { exit: 1 }),
  error(['--trust-model', 'bogus', '-s'], "unknown trust model 'bogus'"),
  sign(['--trust-model', 'ALWAYS', '-s'], {}),
  error(['--keyid-format', 'bogus', '-s'], "unknown keyid-format 'bogus'"),
  error(['--debug-level', 'Guru', '-s'], "invalid debug-level 'Guru' given"),
  error(['--no-literal', '-st'], '--textmode not allowed with --no-literal!'),
  error(
    ['--print-pka-records', '-s'],
    'invalid option "--print-pks-records"; use "--export-options export-pka" instead',
  ),
  error(['--multifile', '-s', 'f.txt'], '--sign does not yet work with --multifile'),
  error(['--encrypt-files', '-s', '-r', '{K}', 'f.txt'], '--sign --encrypt does not yet work with --multifile'),
  sign(
    ['--multifile', '-c', '-s', '--pinentry-mode', 'loopback', '--passphrase', 'x', 'f.txt'],
    { symmetric: true },
    { note: 'gpg forgets to refuse --multifile for sign+symmetric' },
  ),
  error(
    ['-c', '-e', '-s', '-r', '{K}', '--s2k-mode', '0', '--pinentry-mode', 'loopback', '--passphrase', 'x'],
    'you cannot use --symmetric --sign --encrypt with --s2k-mode 0',
  ),
  error(
    ['--pgp7', '-c', '-e', '-s', '-r', '{K}', '--pinentry-mode', 'loopback', '--passphrase', 'x'],
    'you cannot use --symmetric --sign --encrypt in --compliance=pgp7 mode',
  ),
  error(['--gen-random', '3'], usage('--gen-random 0|1|2 [count]')),
  error(['--gen-prime'], usage('--gen-prime not yet supported ')),

  // usage errors gpg raises before signing (wrong_args)
  error(['--clearsign', 'f.txt', 'g.txt'], usage('--clear-sign [filename]')),
  error(['--sign', 'f.txt', 'g.txt'], usage('--sign [filename]')),
  error(['-sa', 'f.txt', 'g.txt'], usage('--sign [filename]')),
  error(['-e', '-s', '-r', '{K}', 'f.txt', 'g.txt'], usage('--sign --encrypt [filename]')),
  error(['-c', '-s', 'f.txt', 'g.txt'], usage('--sign --symmetric [filename]')),
  error(['--sign-key'], usage('--sign-key user-id')),
  error(['--sign-key', '{K}', '{KR}'], usage('--sign-key user-id')),
  error(['--lsign-key'], usage('--lsign-key user-id')),
  error(['--edit-key'], usage('--edit-key user-id [commands]')),
  error(['--quick-sign-key'], usage('--quick-[l]sign-key fingerprint [userids]')),
  error(['--quick-revoke-sig', '{KR}'], usage('--quick-revoke-sig USER-ID SIG-USER-ID [userids]')),
  error(['--quick-add-uid', '{K}'], usage('--quick-add-uid USER-ID NEW-USER-ID')),
  error(['--quick-add-key'], usage('--quick-add-key FINGERPRINT [ALGO [USAGE [EXPIRE]]]')),
  error(['--quick-set-expire', '{K}'], usage('--quick-set-exipre FINGERPRINT EXPIRE [SUBKEY-FPRS]')),
  error(['--quick-set-primary-uid', '{K}'], usage('--quick-set-primary-uid USER-ID PRIMARY-USER-ID')),
  error(['--quick-revoke-uid', '{K}'], usage('--quick-revoke-uid USER-ID USER-ID-TO-REVOKE')),
  error(['--quick-gen-key'], usage('--quick-generate-key USER-ID [ALGO [USAGE [EXPIRE]]]')),
  error(['--gen-key', 'params'], usage('--generate-key')),
  error(['--batch', '--gen-key', 'a', 'b'], usage('--generate-key [parameterfile]')),
  error(['--full-gen-key', 'params'], usage('--full-generate-key')),
  error(['--gen-revoke'], usage('--generate-revocation user-id')),
  error(['--desig-revoke'], usage('--generate-designated-revocation user-id')),
  error(['--passwd'], usage('--change-passphrase <user-id>')),
  error(['--store', 'f.txt', 'g.txt'], usage('--store [filename]')),
  error(['--decrypt', 'f.txt', 'g.txt'], usage('--decrypt [filename]')),

  // §3 callers
  sign(
    [
      '--local-user',
      '{K}',
      '--clearsign',
      '--list-options',
      'no-show-policy-urls',
      '--armor',
      '--textmode',
      '--output',
      'out/f.txt.asc',
      'f.txt',
    ],
    {
      mode: 'clearsign',
      output: 'out/f.txt.asc',
      effectiveOutput: 'out/f.txt.asc',
      armor: true,
      textmode: true,
      localUsers: ['{K}'],
    },
    { note: 'debsign', files: { ...FILES, 'out/.keep': '' } },
  ),
  sign(
    ['--detach-sign', '--armor', '-u', '{KID}', 'tag.tmp'],
    { mode: 'detach', effectiveOutput: 'tag.tmp.asc', localUsers: ['{KID}'] },
    { note: 'dgit push_mktags', files: { 'tag.tmp': 'object x\n' } },
  ),
  sign(
    ['--detach-sign', '--armor', 'tag-dgit.tmp'],
    { mode: 'detach', effectiveOutput: 'tag-dgit.tmp.asc' },
    { note: 'dgit without a key', files: { 'tag-dgit.tmp': 'object y\n' } },
  ),
  sign(
    ['--status-fd=2', '-bsau', '{UID}'],
    { localUsers: ['{UID}'] },
    { note: 'git with user.signingkey = "Name <email>"' },
  ),
  pass(
    ['--keyid-format=long', '--status-fd=1', '--verify', 'sig.asc', '-'],
    { fds: { status: 1 }, args: ['sig.asc', '-'] },
    { note: 'git verify-tag', setup: [{ argv: ['-o', 'sig.asc', '-ba', 'f.txt'] }] },
  ),
  pass(
    ['--keyring', 'ring.kbx', '--with-colons', '--list-keys', '--', '{K}'],
    { args: ['{K}'] },
    { note: 'dgit-repos-server' },
  ),

  // §2.1–2.2 config files in the home directory
  sign(
    ['-a', '-u', '{K}'],
    { mode: 'detach', commands: ['detach-sign'] },
    { homeFiles: { 'gpg.conf': 'detach-sign\n' }, note: 'detach-sign in gpg.conf' },
  ),
  error(['--list-keys'], conflict, {
    homeFiles: { 'gpg.conf': 'sign\n' },
    note: 'sign in gpg.conf breaks every other command',
  }),
  error(['--verify', 'sig.asc', 'f.txt'], conflict, { homeFiles: { 'gpg.conf': 'detach-sign\n' } }),
  sign(['-s'], { mode: 'clearsign' }, { homeFiles: { 'gpg.conf': 'clearsign\n' } }),
  pass(['-a'], {}, { homeFiles: { 'gpg.conf': 'detach\n' }, note: 'no abbreviations in config files' }),
  sign(['-s'], { armor: true, localUsers: ['{K}'] }, { homeFiles: { 'gpg.conf': 'armor\nlocal-user {K}\n' } }),
  sign(['-u', '{KR}', '-s'], { localUsers: ['{K}', '{KR}'] }, { homeFiles: { 'gpg.conf': 'local-user {K}\n' } }),
  pass(['-a'], {}, { homeFiles: { 'gpg.conf': '# sign\n' } }),
  sign(['-a'], { mode: 'inline' }, { homeFiles: { 'gpg.conf': '   sign   \n' } }),
  pass(
    ['-a'],
    {},
    {
      homeFiles: { 'gpg.conf': 'sign # not a comment\n' },
      note: '"#" after a keyword is an argument: the line is rejected',
    },
  ),
  sign(
    ['-s'],
    { output: 'out file.asc', effectiveOutput: 'out file.asc' },
    { homeFiles: { 'gpg.conf': 'output "out file.asc"\n' } },
  ),
  sign(['-s'], {}, { homeFiles: { 'gpg.conf': 'no-options\n' } }),
  pass(
    ['-a'],
    {},
    {
      homeFiles: { 'gpg.conf': 'options {H}/other.conf\n', 'other.conf': 'detach-sign\n' },
      note: 'options inside a config file is ignored',
    },
  ),
  sign(['-a'], { mode: 'detach' }, { homeFiles: { 'gpg.conf': '\ufeffdetach-sign\n' }, note: 'UTF-8 byte order mark' }),
  sign(['-a'], { mode: 'detach' }, { homeFiles: { 'gpg.conf': 'detach-sign\r\n' } }),
  sign(['-a'], { mode: 'detach' }, { homeFiles: { 'gpg.conf': 'armor\ndetach-sign' }, note: 'no final newline' }),
  sign(['-s'], { localUsers: ['{UID}'] }, { homeFiles: { 'gpg.conf': 'local-user "{UID}"\n' } }),
  sign(['-s'], { fds: { status: 0 } }, { homeFiles: { 'gpg.conf': 'status-fd abc\n' } }),
  sign(
    ['-s'],
    {},
    {
      homeFiles: { 'gpg.conf': 'bogus-option\n' + 'a'.repeat(120) + '\nsign\n' },
      note: 'bad lines are warnings; gpg reads on',
    },
  ),
  pass(['-a'], {}, { homeFiles: { 'gpg.conf': 'ignore-invalid-option detach\ndetach\n' } }),
  sign(
    ['-a'],
    { mode: 'detach' },
    { homeFiles: { 'gpg.conf': '[ignore]\ndetach-sign\n' }, note: '[ignore] is only for the global file' },
  ),
  sign(['-a'], { mode: 'detach' }, { homeFiles: { 'gpg.conf': '[if $_pgm =~ gpg]\ndetach-sign\n[fi]\n' } }),
  pass(['-a'], {}, { homeFiles: { 'gpg.conf': '[if $_pgm = gpgsm]\ndetach-sign\n[fi]\n' } }),
  sign(
    ['-a'],
    { mode: 'clearsign' },
    { homeFiles: { 'gpg.conf': '[if $_version -v3ge 2.2.0]\nclearsign\n[else]\nsign\n[fi]\n' } },
  ),
  pass(
    ['-a'],
    {},
    {
      homeFiles: { 'gpg.conf': '[if $nothing]\nclearsign\n[else]\ndetach-sign\n[fi]\n' },
      note: 'an [else] after a false [if] stays off (libgpg-error 1.46)',
    },
  ),
  sign(
    ['-a'],
    { mode: 'clearsign' },
    { homeFiles: { 'gpg.conf': '[if 1 == 1]\nclearsign\n[else]\ndetach-sign\n[fi]\n' } },
  ),
  sign(
    ['-a'],
    { mode: 'inline' },
    { homeFiles: { 'gpg.conf': '[getenv x GATE_TEST]\n[if $x = yes]\nsign\n[fi]\n' }, env: { GATE_TEST: 'yes' } },
  ),
  pass(
    ['-a'],
    {},
    { homeFiles: { 'gpg.conf': '[getenv x GATE_TEST]\n[if $x = yes]\nsign\n[fi]\n' }, env: { GATE_TEST: 'no' } },
  ),
  sign(
    ['-s'],
    { output: 'gpg (GnuPG)-out' },
    { homeFiles: { 'gpg.conf': '[expand]\noutput ${_pgm}-out\n' }, note: '$_pgm is "gpg (GnuPG)"' },
  ),
  pass(['-a'], {}, { homeFiles: { 'gpg.conf': '[if $_pgm = gpg]\ndetach-sign\n[fi]\n' } }),
  sign(
    ['-a'],
    { mode: 'detach' },
    { homeFiles: { 'gpg.conf': '[let a detach]\n[if $a = detach]\ndetach-sign\n[fi]\n' } },
  ),
  pass(
    ['-a'],
    {},
    { homeFiles: { 'gpg.conf': '[if 1 > 2]\nsign\n' }, note: 'an unclosed [if] hides the rest of the file' },
  ),

  // versioned config names
  sign(['-a'], { mode: 'detach' }, { homeFiles: { 'gpg.conf-2.2.40': 'detach-sign\n', 'gpg.conf': 'bogus\n' } }),
  sign(
    ['-a'],
    { mode: 'inline' },
    { homeFiles: { 'gpg.conf-2.2': 'sign\n', 'gpg.conf-2': 'clearsign\n', 'gpg.conf': 'detach-sign\n' } },
  ),
  sign(['-a'], { mode: 'clearsign' }, { homeFiles: { 'gpg.conf-2': 'clearsign\n', 'gpg.conf': 'detach-sign\n' } }),
  sign(
    ['-a'],
    { mode: 'detach' },
    { homeFiles: { 'gpg.conf-2.2.40-x': 'sign\n', 'gpg.conf-': 'sign\n', 'gpg.conf': 'detach-sign\n' } },
  ),

  // --options, --no-options
  pass(['-a', '--no-options'], { configFiles: [] }, { homeFiles: { 'gpg.conf': 'detach-sign\n' } }),
  pass(['--no-opt', '-a'], {}, { homeFiles: { 'gpg.conf': 'detach-sign\n' } }),
  sign(
    ['--options', 'my.conf', '-a'],
    { mode: 'detach', configFiles: ['my.conf'] },
    { files: { 'my.conf': 'detach-sign\n' }, homeFiles: { 'gpg.conf': 'verify\n' } },
  ),
  sign(['--opt', 'my.conf', '-a'], { mode: 'detach' }, { files: { 'my.conf': 'detach-sign\n' } }),
  sign(
    ['--options', 'a.conf', '--options', 'b.conf', '-a'],
    { mode: 'detach' },
    { files: { 'a.conf': 'detach-sign\n', 'b.conf': 'verify\n' }, note: 'the first --options wins' },
  ),
  error(['--options', 'nope.conf', '-s'], "option file 'nope.conf': No such file or directory"),
  pass(['--no-options', '--options', 'my.conf', '-a'], {}, { files: { 'my.conf': 'detach-sign\n' } }),
  pass(['--options', 'my.conf', '-a', '--no-options'], {}, { files: { 'my.conf': 'detach-sign\n' } }),

  error(['--no-options=x', '-a'], 'invalid option "--no-options=x"', {
    homeFiles: { 'gpg.conf': 'detach-sign\n' },
    note: "with a value --no-options is no longer argparse's own option",
  }),
  sign(['--options=my.conf', '-a'], { mode: 'detach' }, { files: { 'my.conf': 'detach-sign\n' } }),

  // home directory: --homedir (abbreviated too), GNUPGHOME, ~/.gnupg
  sign(['--homedir', '{H}', '-s'], { homedir: '{H}' }, { env: { GNUPGHOME: '{EMPTY}' } }),
  sign(
    ['--homedir={H}', '-a'],
    { mode: 'detach' },
    { env: { GNUPGHOME: '{EMPTY}' }, homeFiles: { 'gpg.conf': 'detach-sign\n' } },
  ),
  sign(
    ['--home', '{H}', '-a'],
    { mode: 'detach', homedir: '{H}' },
    { env: { GNUPGHOME: '{EMPTY}' }, homeFiles: { 'gpg.conf': 'detach-sign\n' } },
  ),
  sign(
    ['--homed', '{H}/', '-a'],
    { mode: 'detach', homedir: '{H}' },
    { env: { GNUPGHOME: '{EMPTY}' }, homeFiles: { 'gpg.conf': 'detach-sign\n' } },
  ),
  sign(
    ['--homedir', '{EMPTY}', '--homedir', '{H}', '-a'],
    { mode: 'detach' },
    { homeFiles: { 'gpg.conf': 'detach-sign\n' }, note: 'the last --homedir wins' },
  ),
  sign(
    ['-a'],
    { mode: 'detach' },
    { env: { GNUPGHOME: null }, homeFiles: { 'gpg.conf': 'detach-sign\n' }, note: '~/.gnupg without GNUPGHOME' },
  ),
  pass(
    ['-a'],
    { homedir: '{EMPTY}' },
    {
      env: { GNUPGHOME: '{EMPTY}' },
      homeFiles: { 'gpg.conf': 'detach-sign\n' },
      note: 'gpg.conf of another home is not read',
    },
  ),

  // descriptors and special file names
  error(['--enable-special-filenames', '-s', '-&0'], 'invalid option "-&0"', { note: 'a -&N name must come after --' }),
  sign(['--enable-special-filenames', '-s', '--', '-&0'], { effectiveOutput: '-', extraFds: [] }),
  sign(['--enable-special-filenames', '-s', '-o', '-&1', 'f.txt'], {
    output: '-&1',
    effectiveOutput: '-&1',
    extraFds: [],
  }),
  sign(
    ['-o', '-&7', '-s'],
    { output: '-&7', effectiveOutput: '-&7', extraFds: [7] },
    { note: '-&N names are listed even when gpg would not honour them' },
  ),
  sign(['-s', '--logger-fd', '2'], { fds: { logger: 2 }, extraFds: [] }),
  pass(['--attribute-fd', '1', '-k'], { fds: { attribute: 1 } }),
  sign(
    [
      '--status-fd',
      '5',
      '--logger-fd=6',
      '--passphrase-fd',
      '7',
      '--command-fd',
      '8',
      '--attribute-fd',
      '9',
      '--override-session-key-fd',
      '10',
      '-s',
    ],
    {
      fds: { status: 5, logger: 6, passphrase: 7, command: 8, attribute: 9, overrideSessionKey: 10 },
      extraFds: [5, 6, 7, 8, 9, 10],
    },
    { noRun: 'descriptors 5-10 are not open in the test' },
  ),
  sign(
    ['-s'],
    { fds: { status: 11 }, extraFds: [11, 12] },
    { homeFiles: { 'gpg.conf': 'status-fd 11\noutput -&12\n' }, noRun: 'descriptors 11, 12 are not open in the test' },
  ),
  sign(
    ['--status-fd', '5', '--status-file', 'st.txt', '-s'],
    { fds: { status: null }, extraFds: [5] },
    { noRun: 'descriptor 5 is not open in the test' },
  ),

  // the global config file (classifier only: the real gpg reads /etc/gnupg/gpg.conf, never written by tests; the
  // same forms were checked by hand with /etc/gnupg/gpg.conf, see the report)
  sign(
    ['-a', '--no-options'],
    { mode: 'detach' },
    { globalConfig: 'detach-sign\n', note: 'the global file is read even with --no-options' },
  ),
  pass(['-s'], { commands: [] }, { globalConfig: '[ignore]\nsign\n' }),
  pass(['-b'], {}, { globalConfig: '[ignore]\nsign\ndetach-sign\n' }),
  sign(['-u', 'other', '-s'], { localUsers: ['{K}'] }, { globalConfig: '[force]\nlocal-user {K}\n' }),
  sign(
    ['-s'],
    { armor: false, localUsers: ['x'] },
    {
      globalConfig: '[user nobody-at-all]\narmor\nlocal-user x\n',
      note: 'inactive [user]: a keyword with a value still applies',
    },
  ),
  sign(
    ['-a'],
    { mode: 'inline' },
    { globalConfig: '[ignore-all]\n[-ignore]\nsign\n', homeFiles: { 'gpg.conf': 'detach-sign\n' } },
  ),
  sign(
    ['--options', 'nope.conf', '-s'],
    { armor: true },
    { globalConfig: 'armor\n', note: 'a missing --options file is only a warning after a global file' },
  ),
  error(['-s'], conflict, { globalConfig: 'verify\n' }),
];

/** The entry's display name. */
export function entryName(e: CorpusEntry, i: number): string {
  return `${i + 1}: ${e.note ? `${e.note} — ` : ''}gpg ${e.argv.map((a) => (a === '' ? "''" : a)).join(' ')}`;
}

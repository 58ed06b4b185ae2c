// fast-check generators of gpg command lines built from gpg's own option table: exact names, random abbreviations,
// `--opt=value`, short clusters with swallowed arguments, values that start with '-', `--`, and gpg.conf files with
// commands, options, junk and meta commands.
import fc from 'fast-check';
import { ARG_NONE, argType, ENTRIES, OPT_OPTIONAL, type OptionEntry } from '../../shim/argv/option-table.js';

/**
 * Left out of generated calls: commands that need the network, a smartcard, a terminal session or unbounded time
 * (`--gen-random 1` prints forever), and options that name programs to run.
 */
const EXCLUDED = new Set([
  'send-keys',
  'receive-keys',
  'recv-keys',
  'search-keys',
  'refresh-keys',
  'locate-keys',
  'locate-external-keys',
  'fetch-keys',
  'gen-random',
  'server',
  'edit-key',
  'key-edit',
  'card-edit',
  'edit-card',
  'card-status',
  'change-pin',
  'generate-key',
  'gen-key',
  'full-generate-key',
  'full-gen-key',
  'quick-generate-key',
  'quick-gen-key',
  'quick-add-key',
  'quick-addkey',
  'agent-program',
  'dirmngr-program',
  'photo-viewer',
  'exec-path',
  'keyserver',
  'keyserver-options',
  'auto-key-retrieve',
  'auto-key-locate',
  'homedir',
  'options',
]);

const usable: OptionEntry[] = ENTRIES.filter((e) => e.name !== null && !EXCLUDED.has(e.name) && e.short < 32768);
const commands = usable.filter((e) => e.flags & 128);
/** The options that matter most for signing, drawn more often. */
const SIGNING = [
  'sign',
  'detach-sign',
  'clear-sign',
  'clearsign',
  'encrypt',
  'symmetric',
  'armor',
  'local-user',
  'output',
  'textmode',
  'passphrase',
  'status-fd',
  'verify',
  'list-keys',
  'pinentry-mode',
];
const signing = usable.filter((e) => SIGNING.includes(e.name ?? ''));
const plainOptions = usable.filter((e) => !(e.flags & 128));
const SHORT_NO_ARG = 'abcdekKstvqni'.split('');
const SHORT_ARG = 'orRufFNz'.split('');

const stringValue = fc.constantFrom(
  'f.txt',
  'out',
  '-',
  '-s',
  '--sign',
  '-b',
  'x',
  '',
  '{K}',
  '{UID}',
  'loopback',
  'SHA256',
  'a b',
  '-&1',
  'g.txt',
);
const intValue = fc.constantFrom('0', '1', '2', '-1', 'x', '2x', ' 1', '99999999999');
const args = fc.constantFrom('f.txt', 'g.txt', '-', '--', '{K}', 'x', '-s', '--sign');

/** Descriptors gpg reads from: stdout and stderr are sockets here, and reading them would wait forever. */
const READ_FDS = new Set(['passphrase-fd', 'command-fd', 'override-session-key-fd']);

function valueFor(e: OptionEntry): fc.Arbitrary<string> {
  if (READ_FDS.has(e.canonical)) return fc.constantFrom('0', 'x', '-1');
  return argType(e) === 1 ? intValue : stringValue;
}

/** One option written as gpg users (and fuzzers) write them. */
const longOption: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...signing) },
      { weight: 2, arbitrary: fc.constantFrom(...commands) },
      { weight: 3, arbitrary: fc.constantFrom(...plainOptions) },
    ),
    fc.nat(40),
    fc.nat(3),
  )
  .chain(([e, cut, form]) => {
    const name = e.name ?? '';
    // A third of the time an abbreviation: a random prefix (often ambiguous, or another option's name).
    const written = cut % 3 !== 0 ? name : name.slice(0, 1 + (cut % name.length));
    if (argType(e) === ARG_NONE && !(e.flags & OPT_OPTIONAL)) {
      return form === 0 ? stringValue.map((v) => [`--${written}=${v}`]) : fc.constant([`--${written}`]);
    }
    return valueFor(e).map((v) =>
      form === 0 ? [`--${written}=${v}`] : form === 1 ? [`--${written}`] : [`--${written}`, v],
    );
  });

const shortCluster: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.array(fc.constantFrom(...SHORT_NO_ARG), { minLength: 0, maxLength: 3 }),
    fc.option(fc.constantFrom(...SHORT_ARG)),
    fc.boolean(),
    stringValue,
  )
  .map(([letters, argLetter, inline, v]) => {
    const head = `-${letters.join('')}${argLetter ?? ''}`;
    if (head === '-') return ['-s'];
    if (!argLetter) return [head];
    return inline && v ? [`${head}${v}`] : [head, v];
  });

const token: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 5, arbitrary: longOption },
  { weight: 3, arbitrary: shortCluster },
  { weight: 1, arbitrary: args.map((a): string[] => [a]) },
  { weight: 1, arbitrary: fc.constant(['-u', '{K}']).map((t) => [...t]) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(['--options', 'my.conf'], ['--no-options'], ['--homedir', '{H}'], ['--batch'], ['--yes'])
      .map((t) => [...t]),
  },
);

/** A gpg.conf line: exact keywords only count, so some are abbreviated or junk on purpose. */
const configLine: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'sign',
      'detach-sign',
      'clearsign',
      'clear-sign',
      'encrypt',
      'symmetric',
      'verify',
      'list-keys',
      'store',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'armor',
      'textmode',
      'batch',
      'no-armor',
      'local-user {K}',
      'output out.asc',
      'comment x',
      'status-fd 2',
      'passphrase x',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'detach',
      'sig',
      '# sign',
      'sign # c',
      '  sign  ',
      'sign x',
      'bogus',
      '[if $_pgm =~ gpg]',
      '[fi]',
      '[else]',
      '[ignore]',
      'ignore-invalid-option detach',
      '"sign"',
    ),
  },
);

export interface GeneratedCall {
  argv: string[];
  /** gpg.conf in the home (null: none). */
  gpgConf: string | null;
  /** my.conf in the working directory, for --options my.conf. */
  myConf: string | null;
}

export const gpgCall: fc.Arbitrary<GeneratedCall> = fc.record({
  argv: fc.array(token, { minLength: 0, maxLength: 5 }).map((ts) => ts.flat()),
  gpgConf: fc.option(
    fc.array(configLine, { minLength: 1, maxLength: 3 }).map((ls) => ls.join('\n') + '\n'),
    { freq: 3 },
  ),
  myConf: fc.option(
    fc.array(configLine, { minLength: 1, maxLength: 2 }).map((ls) => ls.join('\n') + '\n'),
    { freq: 2 },
  ),
});

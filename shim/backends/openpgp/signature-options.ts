// The options in effect (config files first, then the command line) that change a data signature beyond what the
// classification describes. The backend honours the ones it can (personal-digest-preferences) and refuses the rest,
// rather than make a signature that differs from gpg's.
import { DEFAULT_GLOBAL_CONFIG, openConfig } from '../../argv/config-files.js';
import { finishReadSys, newMetaState, type MetaState } from '../../argv/config-meta.js';
import { parseConfigText } from '../../argv/config-parser.js';
import { OPT_CONFFILE, type OptionEntry } from '../../argv/option-table.js';
import { parseArgv } from '../../argv/parse-argv.js';
import type { SignClassification } from '../../argv/types.js';

export interface SetOption {
  /** Canonical long name (aliases folded), or `-z`. */
  name: string;
  value: string | null;
}

function set(entry: OptionEntry, value: string | null): SetOption {
  return { name: entry.canonical, value };
}

/**
 * The options gpg applies, in its order: the config files the classifier found (read with the classifier's own
 * parser, meta commands included), then argv — skipping what the global config file marked [ignore] or [force].
 */
export function optionsInEffect(c: SignClassification, argv: readonly string[], env: NodeJS.ProcessEnv): SetOption[] {
  const out: SetOption[] = [];
  const st: MetaState = newMetaState(env);
  c.configFiles.forEach((path, i) => {
    const file = openConfig(path);
    if (file.kind !== 'text') return;
    const global = path === DEFAULT_GLOBAL_CONFIG || (i === 0 && c.configFiles.length > 1);
    st.confName = path;
    if (global) st.inSysconf = true;
    else {
      st.expand = false;
      st.verbose = false;
    }
    parseConfigText(file.text, st, (ev) => {
      if (ev.kind !== 'option' || (ev.entry.flags & OPT_CONFFILE && ev.entry.canonical === 'options')) return;
      out.push(set(ev.entry, ev.value));
    });
    if (global) finishReadSys(st);
  });
  for (const it of parseArgv(argv).items) {
    if (it.kind !== 'option' || it.entry.flags & OPT_CONFFILE) continue;
    const a = st.attrs.get(it.entry.index);
    if (a && ((a.ignore && a.explicitIgnore) || a.forced)) continue;
    out.push(set(it.entry, it.value));
  }
  return out;
}

// What each option does to a data signature, and the options that undo it (the last one wins).
interface Rule {
  what: string;
  /** Whether it matters for this call. */
  applies(c: SignClassification, value: string | null): boolean;
  undoneBy: string[];
}

const always = () => true;
const inline = (c: SignClassification) => c.mode === 'inline';
const clearsign = (c: SignClassification) => c.mode === 'clearsign';
const armored = (c: SignClassification) => c.armor || c.mode === 'clearsign';

const RULES: Record<string, Rule> = {
  'default-key': { what: '--default-key is not supported', applies: (c) => c.localUsers.length === 0, undoneBy: [] },
  'personal-compress-preferences': {
    what: '--personal-compress-preferences is not supported',
    applies: inline,
    undoneBy: [],
  },
  'sig-notation': { what: 'signature notations are not supported', applies: always, undoneBy: [] },
  'set-notation': { what: 'signature notations are not supported', applies: always, undoneBy: [] },
  'sig-policy-url': { what: 'signature policy URLs are not supported', applies: always, undoneBy: [] },
  'set-policy-url': { what: 'signature policy URLs are not supported', applies: always, undoneBy: [] },
  'sig-keyserver-url': { what: '--sig-keyserver-url is not supported', applies: always, undoneBy: [] },
  'default-sig-expire': {
    what: 'signature expiry is not supported',
    applies: (_c, v) => v !== null && v !== '0',
    undoneBy: [],
  },
  'ask-sig-expire': {
    what: '--ask-sig-expire is not supported',
    applies: (c) => !c.batch,
    undoneBy: ['no-ask-sig-expire'],
  },
  rfc2440: { what: 'compliance modes other than gnupg are not supported', applies: always, undoneBy: ['gnupg'] },
  rfc4880: { what: 'compliance modes other than gnupg are not supported', applies: always, undoneBy: ['gnupg'] },
  rfc4880bis: { what: 'compliance modes other than gnupg are not supported', applies: always, undoneBy: ['gnupg'] },
  openpgp: { what: 'compliance modes other than gnupg are not supported', applies: always, undoneBy: ['gnupg'] },
  pgp6: { what: 'compliance modes other than gnupg are not supported', applies: always, undoneBy: ['gnupg'] },
  pgp7: { what: 'compliance modes other than gnupg are not supported', applies: always, undoneBy: ['gnupg'] },
  pgp8: { what: 'compliance modes other than gnupg are not supported', applies: always, undoneBy: ['gnupg'] },
  compliance: { what: '--compliance is not supported', applies: (_c, v) => v !== 'gnupg', undoneBy: ['gnupg'] },
  'no-literal': { what: '--no-literal is not supported', applies: inline, undoneBy: [] },
  'set-filesize': { what: '--set-filesize is not supported', applies: inline, undoneBy: [] },
  'compress-algo': { what: 'choosing the compression is not supported', applies: inline, undoneBy: [] },
  'compress-level': { what: 'choosing the compression is not supported', applies: inline, undoneBy: [] },
  'bzip2-compress-level': { what: 'choosing the compression is not supported', applies: inline, undoneBy: [] },
  '-z': { what: 'choosing the compression is not supported', applies: inline, undoneBy: [] },
  'not-dash-escaped': { what: '--not-dash-escaped is not supported', applies: clearsign, undoneBy: [] },
  'no-escape-from-lines': {
    what: '--no-escape-from-lines is not supported',
    applies: clearsign,
    undoneBy: ['escape-from-lines'],
  },
  'include-key-block': {
    what: '--include-key-block is not supported',
    applies: always,
    undoneBy: ['no-include-key-block'],
  },
  sender: { what: '--sender is not supported', applies: always, undoneBy: [] },
  'disable-signer-uid': { what: '--disable-signer-uid is not supported', applies: always, undoneBy: [] },
  'rfc2440-text': {
    what: '--rfc2440-text is not supported',
    applies: (c) => c.textmode,
    undoneBy: ['no-rfc2440-text'],
  },
  'emit-version': { what: '--emit-version is not supported', applies: armored, undoneBy: ['no-emit-version'] },
  comment: {
    what: 'armor comments are not supported',
    applies: (c, v) => armored(c) && !!v,
    undoneBy: ['no-comments', 'default-comment'],
  },
  'ignore-valid-from': { what: '--ignore-valid-from is not supported', applies: always, undoneBy: [] },
  'status-file': { what: '--status-file is not supported', applies: always, undoneBy: [] },
  'logger-file': { what: '--logger-file is not supported', applies: always, undoneBy: [] },
  'attribute-file': { what: '--attribute-file is not supported', applies: always, undoneBy: [] },
};

export interface OptionVerdict {
  /** Why an option in effect cannot be honoured ("--x is not supported"); null if none. */
  unsupported: string | null;
  /** --faked-system-time in effect (the last one), or null. */
  fakedSystemTime: string | null;
  /** --personal-digest-preferences in effect, as written, or null. */
  personalDigest: string | null;
}

export function judgeOptions(c: SignClassification, argv: readonly string[], env: NodeJS.ProcessEnv): OptionVerdict {
  const active = new Map<string, SetOption>();
  let personalDigest: string | null = null;
  let fakedSystemTime: string | null = null;
  for (const o of optionsInEffect(c, argv, env)) {
    if (o.name === 'faked-system-time') fakedSystemTime = o.value;
    for (const [name, rule] of Object.entries(RULES)) if (rule.undoneBy.includes(o.name)) active.delete(name);
    if (o.name === 'personal-digest-preferences') {
      personalDigest = o.value;
    } else if (RULES[o.name]) active.set(o.name, o);
  }
  for (const [name, o] of active) {
    const rule = RULES[name]!;
    if (rule.applies(c, o.value)) return { unsupported: rule.what, personalDigest, fakedSystemTime };
  }
  return { unsupported: null, personalDigest, fakedSystemTime };
}

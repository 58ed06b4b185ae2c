// One gpg config file read exactly like libgpg-error 1.46 argparse.c _gpgrt_argparse() reads it: `keyword [value]` per
// line, keywords matched exactly (no abbreviation), `#` comments only at the start of a line, one pair of quotes
// stripped, meta commands in brackets. Errors are only warnings for gpg (it goes on with the next line).
import { isCSpace } from './c-strtol.js';
import {
  attributesOf,
  handleMetaCommand,
  inInactiveBranch,
  substituteVars,
  trimCSpaces,
  type MetaState,
} from './config-meta.js';
import { ARG_NONE, OPT_IGNORE, OPT_OPTIONAL, argType, exactOption, type OptionEntry } from './option-table.js';
import { numericValue } from './parse-argv.js';

export type ConfigEvent =
  | { kind: 'option'; entry: OptionEntry; value: string | null; number: number | null; line: number }
  | { kind: 'warning'; message: string; line: number };

const enum S {
  Init,
  Comment,
  CopyKeyword,
  AwaitArg,
  CopyArg,
  KeywordEol,
  KeywordSpc,
  CopyMetaCmd,
  SkipMetaCmd,
  SkipMetaCmd2,
  MetaCmd,
  SkipAndLeave,
}

/** argparse's keyword buffer is 100 bytes: a keyword of 99 or more characters is "keyword too long". */
const KEYWORD_MAX = 99;

/** Bytes (one char per byte) back to the text gpg would pass on as a C string. */
function fromBytes(s: string): string {
  const nul = s.indexOf('\0');
  return Buffer.from(nul >= 0 ? s.slice(0, nul) : s, 'latin1').toString('utf8');
}

/**
 * Runs the state machine over `text` (the file's bytes as a latin1 string) and reports each option gpg would receive
 * and each warning. `st` carries what outlives a file: variables, open `[if]` blocks, the `[ignore]`/`[force]` marks.
 */
export function parseConfigText(text: string, st: MetaState, emit: (ev: ConfigEvent) => void): void {
  let pos = 0;
  st.lineno = 0;
  // A UTF-8 byte order mark at the very start is skipped.
  if (text.startsWith('\xef\xbb\xbf')) pos = 3;
  const EOF = null;
  const getc = (): string | null => (pos < text.length ? (text[pos++] ?? null) : EOF);
  const iio = new Set<string>();

  // Widened on purpose: helpers below change it, which flow analysis cannot see.
  let state = S.Init as S;
  let kw = '';
  let arg = '';
  let inAlias = false;
  let entry: OptionEntry | undefined;
  /** What gpg says when the line ends (state SkipAndLeave). */
  let leaveMessage = '';

  const warn = (message: string): void => emit({ kind: 'warning', message, line: st.lineno });
  const reset = (): void => {
    state = S.Init;
    kw = '';
    arg = '';
    inAlias = false;
    entry = undefined;
  };
  const skipToEol = (message: string): void => {
    leaveMessage = message;
    state = S.SkipAndLeave;
  };
  const skipLine = (eol: boolean): void => {
    state = eol ? S.Init : S.Comment;
    kw = '';
  };
  /** argparse.c prepare_arg_return: a keyword without a value. */
  const keywordAlone = (e: OptionEntry): void => {
    if (inAlias) warn('missing argument');
    else if (argType(e) === ARG_NONE || e.flags & OPT_OPTIONAL)
      emit({ kind: 'option', entry: e, value: null, number: null, line: st.lineno });
    else warn('missing argument');
  };

  for (;;) {
    if (state === S.KeywordEol || state === S.KeywordSpc) {
      const eol = state === S.KeywordEol;
      const e = exactOption(kw);
      if (!e) {
        if (!eol && kw === 'alias') {
          inAlias = true;
          state = S.AwaitArg;
        } else if (kw === 'ignore-invalid-option') {
          if (!eol) {
            // The rest of the line lists keywords whose absence from the table is not an error.
            let rest = '';
            for (let c = getc(); c !== EOF && c !== '\n'; c = getc()) rest += c;
            // Names of 100 or more bytes do not fit argparse's buffer and are dropped.
            for (const name of rest.split(/[ \t\n\v\f\r]+/)) if (name && name.length <= 99) iio.add(name);
            st.lineno++;
          }
          reset();
        } else if (iio.has(kw)) skipLine(eol);
        else {
          if (eol) {
            warn('invalid option');
            reset();
          } else skipToEol('invalid option');
        }
      } else if (eol && st.inSysconf && st.userSeen && !st.userActive) {
        // Only a keyword alone on its line is skipped in an inactive [user] section: one with a value is still
        // applied (libgpg-error 1.46; measured with /etc/gnupg/gpg.conf).
        skipLine(eol);
      } else if (eol && e.flags & OPT_IGNORE) {
        skipLine(eol);
      } else {
        let skip: boolean;
        if (st.inSysconf) {
          const a = attributesOf(st, e.index);
          if (st.markForced) a.forced = true;
          if (st.markIgnore) a.ignore = true;
          if (st.explicitIgnore) a.explicitIgnore = true;
          skip = a.ignore && !a.forced;
        } else {
          const a = st.attrs.get(e.index);
          skip = a !== undefined && (a.ignore || a.forced);
        }
        if (skip) skipLine(eol);
        else if (!eol) {
          entry = e;
          state = S.AwaitArg;
        } else {
          keywordAlone(e);
          reset();
        }
      }
    } else if (state === S.MetaCmd) {
      const content = trimCSpaces(kw.slice(1));
      if (!content) warn('invalid meta command');
      else {
        const err = handleMetaCommand(st, content);
        if (err) warn(err);
      }
      reset();
    }

    const c = getc();
    if (c === '\n' || c === EOF) {
      if (c !== EOF) st.lineno++;
      if (state === S.SkipAndLeave) {
        warn(leaveMessage);
        reset();
      } else if (state === S.CopyKeyword) {
        state = S.KeywordEol;
        continue;
      } else if (state === S.CopyMetaCmd) {
        warn('invalid meta command');
        reset();
      } else if (state === S.SkipMetaCmd || state === S.SkipMetaCmd2) {
        state = S.MetaCmd;
        continue;
      } else if (state === S.AwaitArg) {
        if (entry && !inAlias) keywordAlone(entry);
        else warn('missing argument');
        reset();
      } else if (state === S.CopyArg) {
        finishArgument();
        reset();
      } else if (c === EOF) {
        return;
      } else reset();
      if (c === EOF) return;
      continue;
    }

    if (state === S.SkipAndLeave || state === S.Comment || state === S.SkipMetaCmd2) continue;
    if (state === S.Init && isCSpace(c)) continue;
    if (state === S.Init && c === '#') {
      state = S.Comment;
      continue;
    }
    if (state === S.Init && c !== '[' && inInactiveBranch(st)) {
      state = S.Comment;
      continue;
    }
    if (state === S.SkipMetaCmd) {
      if (c === '#') state = S.SkipMetaCmd2;
      else if (!isCSpace(c)) skipToEol('invalid meta command');
      continue;
    }
    if (state === S.CopyKeyword && isCSpace(c)) {
      state = S.KeywordSpc;
      continue;
    }
    if (state === S.CopyMetaCmd && c === ']') {
      state = S.SkipMetaCmd;
      continue;
    }
    if (state === S.AwaitArg) {
      if (!isCSpace(c)) {
        arg = c;
        state = S.CopyArg;
      }
      continue;
    }
    if (state === S.CopyArg) {
      arg += c;
      continue;
    }
    if (kw.length >= KEYWORD_MAX) {
      skipToEol('keyword too long');
      continue;
    }
    if (!kw) state = c === '[' ? S.CopyMetaCmd : S.CopyKeyword;
    kw += c;
  }

  function finishArgument(): void {
    if (inAlias) {
      // `alias` is accepted and ignored by libgpg-error (store_alias is a stub).
      return;
    }
    const e = entry;
    if (!e) return;
    if (argType(e) === ARG_NONE) {
      warn('argument not expected');
      return;
    }
    let p = trimCSpaces(arg);
    if (p.startsWith('"')) {
      p = p.slice(1);
      if (p.endsWith('"')) p = p.slice(0, -1);
    }
    if (st.expand && p.includes('$')) p = substituteVars(st, p);
    const value = fromBytes(p);
    const { ok, number } = numericValue(e, value);
    if (!ok) warn('invalid argument');
    else emit({ kind: 'option', entry: e, value, number, line: st.lineno });
  }
}

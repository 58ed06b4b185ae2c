// The meta commands of gpg's config files (`[if …]`, `[let …]`, `[ignore]`, `[user …]`, …), ported from
// libgpg-error 1.46 argparse.c. A conditional can switch options on and off, so the shim must evaluate it as gpg does.
import { isCSpace, parseCLong } from './c-strtol.js';
import { ENTRIES, GPG_VERSION } from './option-table.js';

/** Per-entry marks set by the global config file (`[force]`, `[ignore]`, `[ignore-all]`). */
export interface OptionAttributes {
  forced: boolean;
  ignore: boolean;
  explicitIgnore: boolean;
}

/** The parser state that lives across the config files of one gpg run (one gpgrt_argparse_t). */
export interface MetaState {
  env: NodeJS.ProcessEnv;
  attrs: Map<number, OptionAttributes>;
  inSysconf: boolean;
  confName: string;
  lineno: number;
  verbose: boolean;
  expand: boolean;
  markForced: boolean;
  markIgnore: boolean;
  explicitIgnore: boolean;
  ignoreAllSeen: boolean;
  userSeen: boolean;
  userWildcard: boolean;
  userAnyActive: boolean;
  userActive: boolean;
  ifCond: number;
  ifActive: boolean[];
  vars: Map<string, string | null>;
  /** Set when a value gpg would compute cannot be known here (e.g. `$_strusage20`); the caller fails closed. */
  uncertain: string | null;
}

export function newMetaState(env: NodeJS.ProcessEnv): MetaState {
  return {
    env,
    attrs: new Map(),
    inSysconf: false,
    confName: '',
    lineno: 0,
    verbose: false,
    expand: false,
    markForced: false,
    markIgnore: false,
    explicitIgnore: false,
    ignoreAllSeen: false,
    userSeen: false,
    userWildcard: false,
    userAnyActive: false,
    userActive: false,
    ifCond: 0,
    ifActive: [],
    vars: new Map(),
    uncertain: null,
  };
}

export function attributesOf(st: MetaState, index: number): OptionAttributes {
  let a = st.attrs.get(index);
  if (!a) {
    a = { forced: false, ignore: false, explicitIgnore: false };
    st.attrs.set(index, a);
  }
  return a;
}

/** argparse.c finish_read_sys: `[ignore-all]` marks every option not explicitly (un)ignored. */
export function finishReadSys(st: MetaState): void {
  if (st.ignoreAllSeen) {
    for (const e of ENTRIES) {
      const a = attributesOf(st, e.index);
      if (!a.explicitIgnore) a.ignore = true;
    }
  }
  st.inSysconf = false;
  st.userActive = false;
  st.markForced = false;
  st.markIgnore = false;
  st.explicitIgnore = false;
  st.ignoreAllSeen = false;
}

/** In a skipped `[if]` branch: regular lines are comments. */
export function inInactiveBranch(st: MetaState): boolean {
  return st.ifCond > 0 && !st.ifActive[st.ifCond - 1];
}

export function trimCSpaces(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isCSpace(s[a])) a++;
  while (b > a && isCSpace(s[b - 1])) b--;
  return s.slice(a, b);
}

function splitWord(s: string): [string, string | null] {
  let i = 0;
  while (i < s.length && !isCSpace(s[i])) i++;
  if (i >= s.length) return [s, null];
  return [s.slice(0, i), s.slice(i + 1)];
}

/** Config files are handled as byte strings (one char per byte, like C); this converts a JS string to one. */
export function toByteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

let cachedUser: string | null = null;
function username(): string {
  cachedUser ??= toByteString(process.getBuiltinModule('node:os').userInfo().username);
  return cachedUser;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}

function isAlnum(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z0-9]$/.test(c);
}

function getVar(st: MetaState, name: string): string | null {
  if (!name) return null;
  if (name.startsWith('_')) {
    const n = name.slice(1);
    if (!n) return ' ';
    if (n === 'verbose') return st.verbose ? '1' : '';
    if (n === 'user') return username();
    if (n === 'file') return toByteString(st.confName);
    if (n === 'line') return String(st.lineno);
    if (n === 'epoch') return String(Math.floor(Date.now() / 1000));
    if (n === 'windows') return '';
    if (n === 'version') return GPG_VERSION;
    // gpg's strusage(11) is "gpg (GnuPG)" (measured with [echo $_pgm]); 12 is unset.
    if (n === 'pgm' || n === 'strusage11') return 'gpg (GnuPG)';
    if (n === 'strusage13') return GPG_VERSION;
    if (n === 'strusage12') return null;
    if (n === 'gpgrtversion' || n.startsWith('strusage')) {
      st.uncertain ??= `config file uses $${name}, which the shim does not know`;
      return null;
    }
    return null;
  }
  return st.vars.get(name) ?? null;
}

/** argparse.c substitute_vars: `$name`, `${name}`, `$$`; unknown names expand to nothing. */
export function substituteVars(st: MetaState, input: string): string {
  let s = input;
  let line = 0;
  for (;;) {
    const p = s.indexOf('$', line);
    if (p < 0) return s;
    if (s[p + 1] === '$') {
      s = s.slice(0, p) + s.slice(p + 1);
      line = p + 1;
      continue;
    }
    let pend: number;
    let name: string;
    if (s[p + 1] === '{') {
      let count = 0;
      for (pend = p + 2; pend < s.length; pend++) {
        if (s[pend] === '{') count++;
        else if (s[pend] === '}' && --count < 0) break;
      }
      if (pend >= s.length) return s; // Unclosed: no more substitution.
      name = s.slice(p + 2, pend);
      pend++;
    } else {
      for (pend = p + 1; pend < s.length && (isAlnum(s[pend]) || s[pend] === '_'); pend++);
      name = s.slice(p + 1, pend);
    }
    const value = getVar(st, name) ?? '';
    s = s.slice(0, p) + value + s.slice(pend);
    line = p + value.length;
  }
}

function cmpVersion(a: string, b: string, level: number): number {
  const parse = (v: string): [number, number, number] => {
    const out: number[] = [];
    let i = 0;
    for (let part = 0; part < level; part++) {
      if (part > 0) {
        if (v[i] !== '.') return [0, 0, 0];
        i++;
      }
      if (v[i] === '0' && /[0-9]/.test(v[i + 1] ?? '')) return [0, 0, 0];
      let n = 0;
      while (/[0-9]/.test(v[i] ?? '')) n = n * 10 + Number(v[i++]);
      out.push(n);
    }
    return [out[0] ?? 0, out[1] ?? 0, out[2] ?? 0];
  };
  const x = parse(a);
  const y = parse(b);
  for (let k = 0; k < 3; k++) {
    if ((x[k] ?? 0) !== (y[k] ?? 0)) return (x[k] ?? 0) > (y[k] ?? 0) ? 1 : -1;
  }
  return 0;
}

function cNumber(s: string): bigint {
  // strtol clamps on overflow; a clamped value compares like the real one for these operators.
  return parseCLong(s, 0) ?? (s.trimStart().startsWith('-') ? -(1n << 63n) : (1n << 63n) - 1n);
}

/** A meta-command error, in argparse's words. */
export type MetaError =
  | 'unknown meta command'
  | 'missing argument'
  | 'argument not expected'
  | 'unexpected meta command'
  | 'invalid meta command';

function metaIf(st: MetaState, alternate: number, args: string): MetaError | null {
  const idx = st.ifCond;
  const active = idx > 0 && st.ifActive[idx - 1] === true;
  if (alternate) {
    if (idx) {
      if (alternate === 1) st.ifCond--;
      else if (!active) st.ifActive[idx - 1] = false;
      else st.ifActive[idx - 1] = !st.ifActive[idx - 1];
    }
    return null;
  }
  if (idx === 7) return 'unexpected meta command'; // too deeply nested
  if (idx && !active) {
    st.ifActive[st.ifCond++] = false;
    return null;
  }
  const [rawStr1, rest1] = splitWord(args);
  let op: string | null = null;
  let rawStr2: string | null = null;
  if (rest1 !== null) {
    const r = rest1.replace(/^[ \t\n\v\f\r]+/, '');
    const [o, rest2] = splitWord(r);
    op = o;
    if (rest2 !== null) {
      const r2 = rest2.replace(/^[ \t\n\v\f\r]+/, '');
      if (r2) rawStr2 = r2;
    }
  }
  const str1 = substituteVars(st, rawStr1);
  const str2 = rawStr2 === null ? null : substituteVars(st, rawStr2);
  if (!op) op = '-n';
  if (op === '-n' || op === '-z') {
    if (str2 !== null) return 'invalid meta command';
  } else if (str2 === null) return 'invalid meta command';
  let result: boolean;
  const s2 = str2 ?? '';
  if (op === '-n') result = str1 !== '';
  else if (op === '-z') result = str1 === '';
  else if (op === '=') result = str1 === s2;
  else if (op === '<>') result = str1 !== s2;
  else if (op === '=~') result = str1.includes(s2);
  else if (op === '!~') result = !str1.includes(s2);
  else if (op === '-le') result = byteCompare(str1, s2) <= 0;
  else if (op === '-lt') result = byteCompare(str1, s2) < 0;
  else if (op === '-gt') result = byteCompare(str1, s2) > 0;
  else if (op === '-ge') result = byteCompare(str1, s2) >= 0;
  else if (op.startsWith('-v3') || op.startsWith('-v2')) {
    const r = cmpVersion(str1, s2, op[2] === '3' ? 3 : 2);
    const suffix = op.slice(3);
    if (suffix === 'le') result = r <= 0;
    else if (suffix === 'lt') result = r < 0;
    else if (suffix === 'gt') result = r > 0;
    else if (suffix === 'ge') result = r >= 0;
    else return 'invalid meta command';
  } else {
    const n1 = cNumber(str1);
    const n2 = cNumber(s2);
    if (op === '==') result = n1 === n2;
    else if (op === '!=') result = n1 !== n2;
    else if (op === '<=') result = n1 <= n2;
    else if (op === '<') result = n1 < n2;
    else if (op === '>') result = n1 > n2;
    else if (op === '>=') result = n1 >= n2;
    else return 'invalid meta command';
  }
  st.ifActive[st.ifCond++] = result;
  return null;
}

function isAlpha(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z]$/.test(c);
}

function metaLet(st: MetaState, alternate: number, args: string): MetaError | null {
  const [name, rest] = splitWord(args);
  if (!isAlpha(name[0])) return null;
  const value = alternate || rest === null ? (alternate ? null : '') : trimCSpaces(rest);
  st.vars.set(name, value === null ? null : substituteVars(st, value));
  return null;
}

function metaGetenv(st: MetaState, alternate: number, args: string): MetaError | null {
  const [name, rest] = splitWord(args);
  const varname = rest === null ? '' : trimCSpaces(rest);
  if (!isAlpha(name[0]) || !varname) return null;
  let value: string | null;
  if (alternate) {
    // [getreg]: only the global file may read the emulated Registry file next to it.
    if (st.inSysconf) st.uncertain ??= 'global config file uses [getreg]';
    value = null;
  } else {
    const v = st.env[varname];
    value = v === undefined ? null : toByteString(v);
  }
  st.vars.set(name, value);
  return null;
}

function metaUser(st: MetaState, _alternate: number, args: string): MetaError | null {
  st.userSeen = true;
  if (args === '*') {
    st.userWildcard = true;
    st.userActive = !st.userAnyActive;
  } else if (st.userWildcard) st.userActive = false;
  else if (asciiLower(args) === asciiLower(username())) {
    st.userAnyActive = true;
    st.userActive = true;
  } else st.userActive = false;
  return null;
}

type MetaFn = (st: MetaState, alternate: number, args: string) => MetaError | null;
interface MetaCommand {
  alternate: number;
  needArg: boolean;
  /** Allowed in every config file, not only the global one. */
  always: boolean;
  /** Done even inside an inactive `[user]` section. */
  noskip: boolean;
  fn: MetaFn;
}

const setForce: MetaFn = (st, alt) => {
  st.markForced = !alt;
  return null;
};
const setIgnore: MetaFn = (st, alt) => {
  if (alt === 0) {
    st.markIgnore = true;
    st.explicitIgnore = true;
  } else if (alt === 1) {
    st.markIgnore = false;
    st.explicitIgnore = true;
  } else st.ignoreAllSeen = true;
  return null;
};
const setExpand: MetaFn = (st, alt) => {
  st.expand = !alt;
  return null;
};
const setVerbose: MetaFn = (st, alt) => {
  st.verbose = !alt;
  return null;
};
const echo: MetaFn = (st, _alt, args) => {
  substituteVars(st, args);
  return null;
};

const m = (alternate: number, needArg: boolean, always: boolean, noskip: boolean, fn: MetaFn): MetaCommand => ({
  alternate,
  needArg,
  always,
  noskip,
  fn,
});

/** libgpg-error 1.46 has no [command-mode] (measured: "unknown meta command"). */
const META_COMMANDS = new Map<string, MetaCommand>([
  ['user', m(0, true, false, true, metaUser)],
  ['if', m(0, true, true, false, metaIf)],
  ['fi', m(1, false, true, false, metaIf)],
  ['else', m(2, false, true, false, metaIf)],
  ['let', m(0, true, true, false, metaLet)],
  ['-let', m(1, true, true, false, metaLet)],
  ['getenv', m(0, true, true, false, metaGetenv)],
  ['getreg', m(1, true, true, false, metaGetenv)],
  ['force', m(0, false, false, false, setForce)],
  ['+force', m(0, false, false, false, setForce)],
  ['-force', m(1, false, false, false, setForce)],
  ['ignore', m(0, false, false, false, setIgnore)],
  ['+ignore', m(0, false, false, false, setIgnore)],
  ['-ignore', m(1, false, false, false, setIgnore)],
  ['ignore-all', m(2, false, false, false, setIgnore)],
  ['+ignore-all', m(2, false, false, false, setIgnore)],
  ['expand', m(0, false, true, false, setExpand)],
  ['+expand', m(0, false, true, false, setExpand)],
  ['-expand', m(1, false, true, false, setExpand)],
  ['verbose', m(0, false, true, true, setVerbose)],
  ['+verbose', m(0, false, true, true, setVerbose)],
  ['-verbose', m(1, false, true, true, setVerbose)],
  ['echo', m(0, true, true, true, echo)],
  ['-echo', m(1, true, true, true, echo)],
  ['info', m(0, true, true, false, echo)],
  ['-info', m(1, true, true, false, echo)],
]);

/** argparse.c handle_metacmd; `keyword` is the text between the brackets, already trimmed. */
export function handleMetaCommand(st: MetaState, keyword: string): MetaError | null {
  const [name, rest] = splitWord(keyword);
  const args = rest === null ? '' : trimCSpaces(rest);
  const cmd = META_COMMANDS.get(name);
  if (!cmd) return 'unknown meta command';
  if (cmd.needArg && !args) return 'missing argument';
  if (!cmd.needArg && args) return 'argument not expected';
  if (!st.inSysconf && !cmd.always) return 'unexpected meta command';
  if (!cmd.noskip && st.inSysconf && st.userSeen && !st.userActive) return null;
  if (inInactiveBranch(st) && cmd.fn !== metaIf) return null;
  return cmd.fn(st, cmd.alternate, args);
}

// debsign's gpg call and the .changes format it maintains (docs/design.md, "Facts about gpg and its callers"; devscripts 2.23).
import { readFileSync } from 'node:fs';
import { escapeRegExp, matching } from './matchers.js';

/** The argv debsign passes to gpg for FILE: it signs a copy in its own temporary directory. */
export function debsignArgv(key: string, file: string): unknown[] {
  const path = `^/.*/debsign\\.[^/]+/${escapeRegExp(file)}`;
  const copy = matching(new RegExp(`${path}$`));
  const output = matching(new RegExp(`${path}\\.asc$`));
  return [
    '--local-user',
    key,
    '--clearsign',
    '--list-options',
    'no-show-policy-urls',
    '--armor',
    '--textmode',
    '--output',
    output,
    copy,
  ];
}

/** The SHA-256 a .changes file lists for NAME (its Checksums-Sha256 field). */
export function signedFileChecksum(changes: string, name: string): string | null {
  const text = readFileSync(changes, 'utf8');
  const field = /^Checksums-Sha256:\n((?: .*\n)+)/m.exec(text)?.[1] ?? '';
  const line = field.split('\n').find((l) => l.trim().endsWith(` ${name}`));
  return line?.trim().split(/\s+/)[0] ?? null;
}

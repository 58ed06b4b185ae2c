// The file name gpg records in an inline signature's literal data packet (setup_plaintext_name): the base name of
// --set-filename, else of the input file; nothing for standard input.
import { unsupported } from './signing-error.js';

export function literalName(setFilename: string | null, inputs: readonly string[]): Uint8Array {
  const name = setFilename ?? inputs[0] ?? null;
  if (name === null || name === '-') return new Uint8Array(0);
  const base = Buffer.from(name.slice(name.lastIndexOf('/') + 1), 'utf8');
  if (base.length > 255) throw unsupported('a literal data file name longer than 255 bytes is not supported');
  return base;
}

// Where gpg writes its result (g10/openfile.c open_outfile as sign.c and encrypt.c call it): --output, else the input
// name plus .asc (armor or clearsign), .sig (detached) or .gpg, stdout for stdin input, /dev/null with --dry-run.
import {
  CLEARSIGN,
  ENCRYPT,
  ENCRYPT_SYMMETRIC,
  SIGN,
  SIGN_ENCRYPT,
  SIGN_ENCRYPT_SYMMETRIC,
  SIGN_SYMMETRIC,
  SYMMETRIC,
} from './commands.js';
import type { GpgRun } from './gpg-options.js';

/** iobuf_is_pipe_filename: no file, `-`, or a `-&N` descriptor when --enable-special-filenames is on. */
function isPipe(run: GpgRun, name: string | undefined): boolean {
  return name === undefined || name === '-' || (run.specialFilenames && /^-&[0-9]+$/.test(name));
}

/** open_outfile(iname, mode): mode 1 = armored (.asc), 2 = detached (.sig), 0 = binary (.gpg). */
function openOutfile(run: GpgRun, iname: string | undefined, mode: 0 | 1 | 2): string {
  if (isPipe(run, iname) && run.output === null) return '-';
  if (run.dryRun) return '/dev/null';
  if (run.output !== null) return run.output;
  return `${iname ?? ''}${mode === 1 ? '.asc' : mode === 2 ? '.sig' : '.gpg'}`;
}

export function effectiveOutput(run: GpgRun, args: readonly string[]): string {
  const armor = run.armor ? 1 : 0;
  switch (run.command) {
    case SIGN:
    case SIGN_ENCRYPT:
    case SIGN_ENCRYPT_SYMMETRIC: {
      // A detached signature over several files is named after the last one (gpg keeps them in reverse order).
      const fname = run.detached && run.command === SIGN ? args[args.length - 1] : args[0];
      return openOutfile(run, fname, run.armor ? 1 : run.detached ? 2 : 0);
    }
    case SIGN_SYMMETRIC:
    case ENCRYPT:
    case SYMMETRIC:
    case ENCRYPT_SYMMETRIC:
    case 'store':
      return openOutfile(run, args[0], armor);
    case CLEARSIGN:
      return openOutfile(run, args[0], 1);
    default:
      return run.output ?? '-';
  }
}

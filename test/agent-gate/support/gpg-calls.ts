// A list of gpg calls as one sh script that each side (gated, direct, forwarded) runs the same way in its own directory,
// and what every call left there: exit code, stdout, stderr, --status-fd lines and output file, all as bytes.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface GpgCall {
  /** gpg's arguments after the common ones; `{out}` stands for this call's output file. */
  args: string[];
  /** Feed the input file on stdin (otherwise stdin is /dev/null and the file, if wanted, is named in args). */
  stdin?: boolean;
}

/** Latin-1 strings: equal exactly when the bytes are, and readable in a failed test's diff. */
export interface CallResult {
  rc: string;
  stdout: string;
  stderr: string;
  status: string;
  out: string | null;
}

/** What is signed: trailing blanks, a dash line (clearsign escapes it), CRLF and no final newline (textmode). */
export const INPUT_NAME = 'in.txt';
const INPUT =
  'agent gate fidelity\ntrailing blanks   \n- dash line\nFrom the start\r\nnon-ASCII: \u00e9\u00df\nno newline';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The same script for every side: paths are relative to the side's directory. */
export function writeScript(path: string, calls: readonly GpgCall[], fakedTime: number): void {
  const lines = calls.map((call, i) => {
    const args = call.args.map((a) => quote(a.replace('{out}', `out/${i}.out`)));
    const common = ['--batch', '--no-tty', `--faked-system-time=${fakedTime}!`, '--status-fd', '3'];
    const input = call.stdin ? INPUT_NAME : '/dev/null';
    return `gpg ${[...common, ...args].join(' ')} <${input} >out/${i}.stdout 2>out/${i}.stderr 3>out/${i}.status; echo $? >out/${i}.rc`;
  });
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** A side's directory: the input and an empty out/. */
export function prepareSide(dir: string): string {
  mkdirSync(join(dir, 'out'), { recursive: true });
  writeFileSync(join(dir, INPUT_NAME), INPUT);
  return dir;
}

export function readResults(dir: string, count: number): CallResult[] {
  const read = (name: string) => readFileSync(join(dir, 'out', name)).toString('latin1');
  return Array.from({ length: count }, (_, i) => ({
    rc: read(`${i}.rc`),
    stdout: read(`${i}.stdout`),
    stderr: read(`${i}.stderr`),
    status: read(`${i}.status`),
    out: existsSync(join(dir, 'out', `${i}.out`)) ? read(`${i}.out`) : null,
  }));
}

/** Runs the script without gpg-gate (its calls' exit codes are in out/, not the shell's). */
export async function runScript(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  await promisify(execFile)('sh', [script], { cwd, env });
}

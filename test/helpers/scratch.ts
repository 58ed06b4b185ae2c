// The suite's scratch directory (made by global-setup.ts, removed at its end), or TMPDIR for a file run on its own.
import { tmpdir } from 'node:os';

/** Its name starts with GPG_GATE_ so that cleanEnv() keeps it from the programs under test. */
export const SCRATCH_VAR = 'GPG_GATE_TEST_SCRATCH';

export function scratchDir(): string {
  return process.env[SCRATCH_VAR] ?? tmpdir();
}

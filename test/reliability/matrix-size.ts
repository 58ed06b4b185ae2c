// How much of each matrix runs. `npm test` runs a meaningful subset within its time budget; GPG_GATE_FULL_MATRIX=1
// runs every cell with repetitions (GPG_GATE_MATRIX_REPS=N overrides their number).
export const FULL_MATRIX = process.env.GPG_GATE_FULL_MATRIX === '1';

export const REPETITIONS = Number(process.env.GPG_GATE_MATRIX_REPS) || (FULL_MATRIX ? 3 : 1);

/** `full` in the full matrix, else `subset`. */
export function bySize<T>(subset: T, full: T): T {
  return FULL_MATRIX ? full : subset;
}

// Runs the variants of one comparison alternately, round after round, so that each round's variants share the
// machine's load of that moment; the order rotates per round so that none always runs first (warm caches, agent).

export interface Rounds {
  /** Rounds run first and thrown away (the first signature of a job runs the commit step; caches warm up). */
  warmup: number;
  min: number;
  max: number;
  /** Stop starting new rounds after this long, once `min` rounds are done: the whole bench must stay under 5 min. */
  budgetMs: number;
}

export interface Variant<T> {
  name: string;
  run: () => T | Promise<T>;
}

/** Samples per variant name, aligned by round: samples[a][i] and samples[b][i] come from the same round. */
export type Samples<T> = Record<string, T[]>;

export async function interleave<T>(variants: readonly Variant<T>[], rounds: Rounds): Promise<Samples<T>> {
  const samples: Samples<T> = Object.fromEntries(variants.map((v) => [v.name, [] as T[]]));
  const start = performance.now();
  for (let round = 0; ; round++) {
    const measured = round - rounds.warmup;
    if (measured >= rounds.max) break;
    if (measured >= rounds.min && performance.now() - start > rounds.budgetMs) break;
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(round + k) % variants.length]!;
      const result = await v.run();
      if (measured >= 0) samples[v.name]!.push(result);
    }
  }
  return samples;
}

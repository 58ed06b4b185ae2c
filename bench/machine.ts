// What the numbers were measured on: CPU, cores, load (a shared machine's load explains its noise), versions.
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release } from 'node:os';

export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export function machineLine(realGpg: string): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  let gpg = 'gpg ?';
  try {
    gpg = execFileSync(realGpg, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? gpg;
  } catch {
    // Reported as unknown.
  }
  return `machine: ${model}, ${availableParallelism()} cores, Linux ${release()}, Node ${process.version}, ${gpg}`;
}

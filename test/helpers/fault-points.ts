// The test side of GPG_GATE_TEST_FAULT (common/fault-point.ts, docs/protocol.md §12): arm faults for a process
// tree, wait until one fires, release a pause, list what fired.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { FaultAction } from '../../common/fault-point.js';

export interface Fired {
  step: string;
  pid: number;
  action: FaultAction;
  /** The marker file (a pause lasts while it exists). */
  path: string;
}

const MARKER = /^(.+)\.(\d+)\.(kill|pause|enospc|torn)$/;

export class FaultDir {
  /** Markers seen so far: a released pause's marker is gone from the directory but still counts as fired. */
  private readonly seen = new Map<string, Fired>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** The environment that arms `faults` (["journal.before.committed:kill", …]) in every process that inherits it. */
  env(faults: readonly string[]): Record<string, string> {
    return faults.length === 0 ? {} : { GPG_GATE_TEST_FAULT: faults.join(','), GPG_GATE_TEST_FAULT_DIR: this.dir };
  }

  /** Every fault that fired so far, in the order first seen. */
  fired(): Fired[] {
    for (const name of readdirSync(this.dir)) {
      const m = MARKER.exec(name);
      if (m && !this.seen.has(name)) {
        const action = m[3] as FaultAction;
        this.seen.set(name, { step: m[1] ?? '', pid: Number(m[2]), action, path: `${this.dir}/${name}` });
      }
    }
    return [...this.seen.values()];
  }

  /** Resolves with the fault that fired at `step`, polling its marker; `stop` ends the wait early with null. */
  async waitFor(step: string, timeoutMs = 20_000, stop: () => boolean = () => false): Promise<Fired | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.fired().find((f) => f.step === step);
      if (hit) return hit;
      if (stop()) return null;
      if (Date.now() > deadline) throw new Error(`fault point ${step} was not reached within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Lets every paused process go on. */
  releaseAll(): void {
    for (const f of this.fired()) if (f.action === 'pause') rmSync(f.path, { force: true });
  }
}

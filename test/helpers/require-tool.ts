// Tests that need an external tool: outside CI a missing tool skips with a visible reason; under CI=true it fails.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function hasTool(tool: string): boolean {
  const candidates = tool.includes('/') ? [tool] : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, tool));
  return candidates.some((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Call at the start of a test with its context: `it('…', (ctx) => { requireTool(ctx, 'debsign', 'signs .changes'); … })`. */
export function requireTool(ctx: { skip: (note?: string) => never }, tool: string, why: string): void {
  if (hasTool(tool)) return;
  if (process.env.CI === 'true') throw new Error(`${tool} is missing under CI (${why}); .ci/run must install it`);
  ctx.skip(`${tool} not found (${why})`);
}

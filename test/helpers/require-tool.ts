// Tests that need an external tool (or root): outside CI a missing prerequisite skips with a visible reason; under
// CI=true it fails. Call these at the start of a test, before it does anything, never after part of it has run.
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

/** The same for a test that needs root: `it('…', (ctx) => { requireRoot(ctx, 'chown to another user'); … })`. */
export function requireRoot(ctx: { skip: (note?: string) => never }, why: string): void {
  if (process.getuid?.() === 0) return;
  if (process.env.CI === 'true') throw new Error(`not root under CI (${why}); CI runs the suite as root`);
  ctx.skip(`needs root (${why})`);
}

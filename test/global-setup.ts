// Runs once before the suite: fresh bundles in dist/ and the throwaway keys.
import { ensureTestKeys } from './helpers/test-keys.js';

export default async function setup(): Promise<void> {
  // @ts-expect-error build.mjs is plain JavaScript without types.
  const { buildAll } = (await import('../build.mjs')) as { buildAll: () => Promise<void> };
  await buildAll();
  await ensureTestKeys();
}

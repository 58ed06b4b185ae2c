// Loads the throwaway keys, generating them on first use (see test-keys/README.md).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generatedDir, generateTestKeys, type TestKeyInfo, type TestKeyName } from '../../test-keys/generate.js';

export type { TestKeyInfo, TestKeyName };
export { TEST_PASSPHRASE } from '../../test-keys/generate.js';

const keysJson = join(generatedDir, 'keys.json');

/** Generates the keys if they are missing. Called once from the vitest global setup. */
export async function ensureTestKeys(): Promise<void> {
  if (!existsSync(keysJson)) await generateTestKeys();
}

let cache: Record<TestKeyName, TestKeyInfo> | undefined;

export function testKeys(): Record<TestKeyName, TestKeyInfo> {
  if (!cache) {
    const list = JSON.parse(readFileSync(keysJson, 'utf8')) as TestKeyInfo[];
    // Key files as absolute paths, whatever directory the generator ran in (keys.json may hold relative ones).
    const root = dirname(dirname(generatedDir));
    const absolute = (k: TestKeyInfo): TestKeyInfo => ({
      ...k,
      secretFile: resolve(root, k.secretFile),
      publicFile: resolve(root, k.publicFile),
    });
    cache = Object.fromEntries(list.map((k) => [k.name, absolute(k)])) as Record<TestKeyName, TestKeyInfo>;
  }
  return cache;
}

// Small matchers for argv lists in which some items are temporary paths.
import { expect } from 'vitest';

/** An asymmetric matcher for a string, typed as a plain value to compare with (vitest types it `any`). */
export function matching(re: RegExp): unknown {
  return expect.stringMatching(re) as unknown;
}

export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

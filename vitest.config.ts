import { configDefaults, defineConfig } from 'vitest/config';

// Tests that need neither dist/ (the build) nor an external program (gpg, git, perl, …): TypeScript imported directly,
// no global setup, seconds in all. `npm run test:unit`.
const UNIT = [
  'test/unit/**/*.test.ts',
  'test/protocol/*.test.ts',
  'test/argv/units.test.ts',
  'test/reliability/journal-truth.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    // One worker per core (this machine and CI have 2): more only add contention between real gpg processes.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: UNIT, testTimeout: 30_000, hookTimeout: 30_000 },
      },
      {
        // Everything else: real gpg, git, dgit, … and the bundles; the global setup builds dist/ and the test keys.
        // `npm run test:system`.
        extends: true,
        test: {
          name: 'system',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

// The Debian package's sources cannot drift from the code: the committed man pages are what man/generate.mjs makes
// from the built CLI's --help and man/source.mjs; the README's exit-status and environment tables, subcommands and
// `run` options say what that source says; debian/copyright lists exactly the npm packages esbuild bundles into the
// installed files; debian/changelog carries package.json's version.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/gate-run.js';

interface Help {
  commands: { name: string; sections: Record<string, { term: string; description: string }[]> }[];
}
interface Generator {
  PAGES: string[];
  generate: (cli: string) => { help: Help; pages: Record<string, string> };
  readmeProblems: (readme: string, help: Help) => string[];
  markdownTable: (markdown: string, first: string) => string[][] | null;
}
interface Source {
  gpgGate: { runExitStatus: [string, string][] };
  shim: { environment: [string, string][] };
}

// @ts-expect-error man/generate.mjs is plain JavaScript without types.
const generator = (await import('../../man/generate.mjs')) as Generator;
// @ts-expect-error man/source.mjs is plain JavaScript without types.
const source = (await import('../../man/source.mjs')) as Source;

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const regenerate = 'regenerate with: npm run build && node man/generate.mjs';

describe('man pages', () => {
  const { help, pages } = generator.generate(CLI);

  it.each(generator.PAGES)('man/%s is what man/generate.mjs makes of --help and man/source.mjs', (name) => {
    const committed = readFileSync(join(ROOT, 'man', name), 'utf8');
    expect(committed, regenerate).toBe(pages[name]);
  });

  it('gpg-gate(1) documents every subcommand and every option of --help', () => {
    const page = pages['gpg-gate.1'] ?? '';
    expect(help.commands.map((c) => c.name)).toEqual(['run', 'status', 'shim-dir', 'install-shim']);
    for (const c of help.commands) {
      expect(page).toContain(`.SS "${c.name.replace(/-/g, '\\-')}`);
      for (const o of c.sections.Options ?? []) {
        const long = /--[\w-]+/.exec(o.term)?.[0] ?? o.term;
        expect(page, `${c.name} ${long}`).toContain(long.replace(/-/g, '\\-'));
      }
    }
    for (const section of ['SYNOPSIS', 'DESCRIPTION', 'COMMANDS', '"EXIT STATUS"', 'ENVIRONMENT', 'FILES']) {
      expect(page).toContain(`.SH ${section}`);
    }
  });

  it('the README says what man/source.mjs says', () => {
    expect(generator.readmeProblems(readme, help)).toEqual([]);
  });

  it("the README's tables are read, not skipped", () => {
    expect(generator.markdownTable(readme, '`run` exit status')).toHaveLength(source.gpgGate.runExitStatus.length);
    expect(generator.markdownTable(readme, 'variable')).toHaveLength(source.shim.environment.length);
    // A changed row is caught.
    const changed = readme.replace('| usage error ', '| a usage error ');
    expect(changed).not.toBe(readme);
    expect(generator.readmeProblems(changed, help).join('\n')).toContain('64 | usage error');
  });
});

describe('debian/', () => {
  it('debian/copyright lists exactly the npm packages bundled into the installed files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpg-gate-bundle-'));
    try {
      const inventory = join(dir, 'bundle.json');
      const build = spawnSync(process.execPath, [join(ROOT, 'debian', 'bundle.mjs'), 'build', inventory], {
        encoding: 'utf8',
      });
      expect(build.status, build.stderr).toBe(0);
      const { files, packages } = JSON.parse(readFileSync(inventory, 'utf8')) as {
        files: Record<string, string[]>;
        packages: Record<string, { name: string }>;
      };
      expect(Object.keys(files)).toEqual(
        expect.arrayContaining(['gpg-gate.js', 'shim/gpg', 'shim/gpg-gate-openpgp.cjs', 'shim/package.json']),
      );
      // The shim bundles nothing but node builtins; the CLI's entry only commander.
      expect(files['shim/gpg']).toEqual([]);
      expect(files['gpg-gate.js']).toEqual(['node_modules/commander']);
      expect(Object.values(packages).map((p) => p.name)).toEqual(
        expect.arrayContaining(['commander', 'execa', 'openpgp']),
      );
      const check = spawnSync(
        process.execPath,
        [join(ROOT, 'debian', 'bundle.mjs'), 'check', inventory, join(ROOT, 'debian', 'copyright')],
        { encoding: 'utf8' },
      );
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("debian/changelog's version is package.json's", () => {
    const changelog = readFileSync(join(ROOT, 'debian', 'changelog'), 'utf8');
    const version = /^gpg-gate \(([^)]+)\)/.exec(changelog)?.[1];
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version?.replace(/-[^-]+$/, '')).toBe(pkg.version);
  });

  it('the installed layout: the shim in a directory of its own under /usr/lib/gpg-gate, never /usr/bin/gpg', () => {
    expect(readFileSync(join(ROOT, 'debian', 'gpg-gate.links'), 'utf8').trim()).toBe(
      'usr/lib/gpg-gate/gpg-gate.js usr/bin/gpg-gate',
    );
    const rules = readFileSync(join(ROOT, 'debian', 'rules'), 'utf8');
    expect(rules).toContain('LIB := debian/gpg-gate/usr/lib/gpg-gate');
    expect(rules).not.toMatch(/usr\/bin\/gpg\b(?!-)/);
  });
});

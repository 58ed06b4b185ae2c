// Builds dist/ exactly as `npm run build` does (build.mjs's buildAll), with esbuild's metafile switched on, and
// records what the package ships: the output files of the CLI, the shim and its openpgp backend, and the npm packages
// that esbuild bundled into each of them. debian/rules installs exactly these outputs (dist/chunks/ may also hold
// chunks of earlier builds, kept for an hour for a CLI that is still running) and checks that debian/copyright lists
// exactly these packages; test/package/ runs the same check.
//
//   node debian/bundle.mjs build OUT.json        build dist/ and write the inventory
//   node debian/bundle.mjs check OUT.json FILE   exit 1 unless FILE (debian/copyright) lists exactly the bundled packages
//   node debian/bundle.mjs files OUT.json        print the shipped files, relative to dist/, one a line
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** The entry points whose outputs the package installs under /usr/lib/gpg-gate (the rest are development tools). */
export const SHIPPED_ENTRIES = ['harness/cli.ts', 'shim/main.ts', 'shim/backends/openpgp/entry.ts'];

/** Files build.mjs writes itself, beside the bundles. */
const EXTRA_FILES = ['shim/package.json'];

/** The npm package an input path belongs to: the last node_modules/NAME (or @scope/NAME) in it, as a directory. */
export function packageDir(input) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m ? m[1] : null;
}

/** Runs build.mjs's buildAll() with every esbuild build() call also producing a metafile; returns the inventory. */
export async function buildInventory() {
  if (!existsSync(join(root, 'node_modules', 'esbuild', 'package.json'))) {
    throw new Error(
      `${join(root, 'node_modules')}: esbuild is missing. The package is built from the npm dependencies of the ` +
        "checkout: run 'npm ci' first (see debian/README.source).",
    );
  }
  // build.mjs imports { build } from 'esbuild': a resolve hook hands it a module that re-exports esbuild with a build()
  // that also asks for the metafile (the outputs are the same) and reports each result here.
  const builds = [];
  globalThis.__gpgGateBundleBuild = async (realBuild, options) => {
    const result = await realBuild({ ...options, metafile: true });
    builds.push({ entry: relative(root, options.entryPoints[0]), metafile: result.metafile });
    return result;
  };
  const esbuildUrl = pathToFileURL(createRequire(join(root, 'package.json')).resolve('esbuild')).href;
  const wrapper =
    `import * as real from ${JSON.stringify(esbuildUrl)}; export * from ${JSON.stringify(esbuildUrl)};` +
    ' export const build = (options) => globalThis.__gpgGateBundleBuild(real.build, options);';
  const hooks =
    'let from, to; export function initialize(data) { ({ from, to } = data); }' +
    ' export function resolve(specifier, context, next) {' +
    " return specifier === 'esbuild' && context.parentURL === from ? { url: to, shortCircuit: true } : next(specifier, context); }";
  const buildUrl = pathToFileURL(join(root, 'build.mjs')).href;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, {
    data: { from: buildUrl, to: `data:text/javascript,${encodeURIComponent(wrapper)}` },
  });
  process.chdir(root);
  const { buildAll } = await import(buildUrl);
  await buildAll();

  const files = {};
  for (const { entry, metafile } of builds) {
    if (!SHIPPED_ENTRIES.includes(entry)) continue;
    for (const [out, info] of Object.entries(metafile.outputs)) {
      const file = relative(join(root, 'dist'), join(root, out));
      if (file.startsWith('..')) throw new Error(`esbuild wrote ${out} outside dist/`);
      const packages = [...new Set(Object.keys(info.inputs).map(packageDir).filter(Boolean))].sort();
      files[file] = packages;
    }
  }
  for (const entry of SHIPPED_ENTRIES) {
    if (!builds.some((b) => b.entry === entry)) throw new Error(`build.mjs no longer builds ${entry}`);
  }
  for (const file of EXTRA_FILES) {
    if (!existsSync(join(root, 'dist', file))) throw new Error(`build.mjs no longer writes dist/${file}`);
    files[file] = [];
  }
  const packages = {};
  for (const dir of new Set(Object.values(files).flat())) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    packages[dir] = { name: pkg.name, version: pkg.version, license: pkg.license };
  }
  return { files, packages };
}

/** The npm licence names of the bundled packages, as DEP-5 short names. */
const DEP5_LICENSE = { MIT: 'Expat', ISC: 'ISC', 'Apache-2.0': 'Apache-2.0', 'LGPL-3.0+': 'LGPL-3+' };

/**
 * Problems with debian/copyright's account of the bundled packages: every `Files: node_modules/…/*` paragraph must
 * name a bundled package, with its version on the first line of its Comment and a License that starts with the
 * package's own licence; every bundled package must have one.
 */
export function copyrightProblems(inventory, copyright) {
  const problems = [];
  const listed = new Map();
  for (const paragraph of copyright.split(/\n\s*\n/)) {
    const files = /^Files:\s*(.+)$/m.exec(paragraph)?.[1].trim();
    if (!files || !files.startsWith('node_modules/')) continue;
    const dir = files.replace(/\/\*$/, '');
    listed.set(dir, {
      license: /^License:\s*(.+)$/m.exec(paragraph)?.[1].trim() ?? '',
      comment: /^Comment:\s*(.+)$/m.exec(paragraph)?.[1].trim() ?? '',
    });
  }
  for (const [dir, pkg] of Object.entries(inventory.packages)) {
    const entry = listed.get(dir);
    if (!entry) {
      problems.push(`${dir} (${pkg.name} ${pkg.version}, ${pkg.license}) is bundled but has no Files paragraph`);
      continue;
    }
    const license = DEP5_LICENSE[pkg.license];
    if (!license) problems.push(`${dir}: licence ${pkg.license} has no DEP-5 name here: review it`);
    else if (entry.license.split(/\s+/)[0] !== license) {
      problems.push(`${dir}: License is '${entry.license}', the package says ${pkg.license} (${license})`);
    }
    if (!entry.comment.startsWith(`${pkg.name} ${pkg.version}`)) {
      problems.push(`${dir}: Comment should start with '${pkg.name} ${pkg.version}', not '${entry.comment}'`);
    }
  }
  for (const dir of listed.keys()) {
    if (!(dir in inventory.packages)) problems.push(`${dir} has a Files paragraph but is not bundled`);
  }
  return problems;
}

async function main([command, out, file]) {
  if (command === 'build' && out) {
    writeFileSync(out, JSON.stringify(await buildInventory(), null, 2) + '\n');
  } else if (command === 'check' && out && file) {
    const problems = copyrightProblems(JSON.parse(readFileSync(out, 'utf8')), readFileSync(file, 'utf8'));
    for (const p of problems) process.stderr.write(`${file}: ${p}\n`);
    if (problems.length > 0) process.exit(1);
  } else if (command === 'files' && out) {
    process.stdout.write(Object.keys(JSON.parse(readFileSync(out, 'utf8')).files).join('\n') + '\n');
  } else {
    process.stderr.write('usage: bundle.mjs build OUT.json | check OUT.json COPYRIGHT | files OUT.json\n');
    process.exit(64);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`debian/bundle.mjs: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

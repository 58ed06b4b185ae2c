// Bundles the executables with esbuild. Node 20 cannot run TypeScript, and a bundle starts faster than a module tree.
// Outputs are written to a temporary name and renamed, so a concurrent test never sees a half-written file.
import { build } from 'esbuild';
import { chmod, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');

// commander and execa need `require` inside an ESM bundle (esbuild does not provide it in ESM output).
const esmBanner =
  "import { createRequire as __gpgGateCreateRequire } from 'node:module'; const require = __gpgGateCreateRequire(import.meta.url);";

// The executables start as sh, which reads the signal state the caller gave us before Node resets it (Node unblocks
// every signal and restores ignored ones at start-up; common/signal-state.ts), then execs node on the same file.
// For JavaScript the second line is a string and a comment. Nothing else of the caller's environment changes.
const launcher = [
  '#!/bin/sh',
  '":" //; GPG_GATE_INHERITED_SIGNALS=; if [ -r /proc/self/status ]; then while IFS=\' \t\' read -r GPG_GATE_K GPG_GATE_V;' +
    ' do case $GPG_GATE_K in SigBlk:|SigIgn:) GPG_GATE_INHERITED_SIGNALS="$GPG_GATE_INHERITED_SIGNALS $GPG_GATE_V";;' +
    ' SigCgt:) break;; esac; done </proc/self/status; unset GPG_GATE_K GPG_GATE_V; fi;' +
    ' export GPG_GATE_INHERITED_SIGNALS; exec node "$0" "$@"',
].join('\n');

// Every copy of the shim carries its marker in the first lines, so that finding the real gpg can skip any shim.
const shimMarker = /SHIM_MARKER = '([^']+)'/.exec(readFileSync(join(root, 'common/shim-marker.ts'), 'utf8'))?.[1];
if (!shimMarker) throw new Error('common/shim-marker.ts: SHIM_MARKER not found');

/** @type {{ entry: string, out: string, format: 'cjs' | 'esm', executable?: boolean, builtinsOnly?: boolean, marker?: string, split?: boolean }[]} */
const targets = [
  // The shim: one CommonJS file with no dependencies, so it can be copied anywhere (a chroot with only nodejs).
  { entry: 'shim/main.ts', out: 'shim/gpg', format: 'cjs', executable: true, builtinsOnly: true, marker: shimMarker },
  // The openpgp backend: loaded by the shim only when it signs with GPG_GATE_BACKEND=openpgp (openpgp.js inside).
  { entry: 'shim/backends/openpgp/entry.ts', out: 'shim/gpg-gate-openpgp.cjs', format: 'cjs' },
  // The CLI: what it imports dynamically (the signers, openpgp.js) goes to dist/chunks/ and loads only when used.
  { entry: 'harness/cli.ts', out: 'gpg-gate.js', format: 'esm', executable: true, split: true },
  { entry: 'test-keys/generate.ts', out: 'generate-keys.js', format: 'esm' },
  { entry: 'shim/argv/generate-option-table.ts', out: 'generate-option-table.js', format: 'esm' },
  { entry: 'demo/main.ts', out: 'demo.js', format: 'esm' },
  { entry: 'bench/main.ts', out: 'bench.js', format: 'esm' },
];

/** Chunks of earlier builds that no build wrote for an hour: an older running CLI may still load a recent one. */
const CHUNK_GRACE_MS = 3600_000;

export async function buildAll() {
  await mkdir(join(dist, 'shim'), { recursive: true });
  // Extension-less files are CommonJS only if the nearest package.json says so.
  await writeFile(join(dist, 'shim', 'package.json'), '{ "type": "commonjs" }\n');
  await Promise.all(
    targets.map(async (t) => {
      const result = await build({
        entryPoints: [join(root, t.entry)],
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: t.format,
        write: false,
        ...(t.split
          ? {
              splitting: true,
              outdir: dist,
              entryNames: t.out.replace(/\.js$/, ''),
              chunkNames: 'chunks/[name]-[hash]',
            }
          : { outfile: join(dist, t.out) }),
        legalComments: 'none',
        logLevel: 'warning',
        banner: {
          js: [
            t.executable ? launcher : '#!/usr/bin/env node',
            t.marker ? `// ${t.marker}` : '',
            t.format === 'esm' ? esmBanner : '',
          ]
            .filter(Boolean)
            .join('\n'),
        },
        // A builtins-only bundle must not silently pull in a package.
        ...(t.builtinsOnly ? { external: [], plugins: [builtinsOnly] } : {}),
      });
      const entry = join(dist, t.out);
      // The entry last: it must never be on disk before the chunks it imports.
      const files = [...result.outputFiles].sort((a, b) => Number(a.path === entry) - Number(b.path === entry));
      for (const file of files) {
        const tmp = `${file.path}.${process.pid}.tmp`;
        await mkdir(dirname(file.path), { recursive: true });
        const executable = t.executable && file.path === entry;
        await writeFile(tmp, executable ? file.contents : withoutLauncher(file.contents));
        if (executable) await chmod(tmp, 0o755);
        await rename(tmp, file.path);
      }
      if (t.split) await pruneChunks(new Set(files.map((f) => f.path)));
    }),
  );
}

/**
 * esbuild puts the banner on every output file; only an executable entry is run directly, so chunks and modules that
 * are imported or required lose the #! line (and the launcher line after it).
 */
function withoutLauncher(contents) {
  let text = Buffer.from(contents).toString('utf8');
  if (text.startsWith('#!')) text = text.slice(text.indexOf('\n') + 1);
  if (text.startsWith('":" //;')) text = text.slice(text.indexOf('\n') + 1);
  return text;
}

async function pruneChunks(keep) {
  const dir = join(dist, 'chunks');
  for (const name of await readdir(dir).catch(() => [])) {
    const path = join(dir, name);
    if (keep.has(path)) continue;
    const st = await stat(path).catch(() => null);
    if (st && Date.now() - st.mtimeMs > CHUNK_GRACE_MS) await rm(path, { force: true });
  }
}

/** @type {import('esbuild').Plugin} */
const builtinsOnly = {
  name: 'builtins-only',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      return { errors: [{ text: `the shim may import only node: builtins, not '${args.path}'` }] };
    });
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAll();
}

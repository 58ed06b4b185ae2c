// A tiny native Debian source package, built for real with dpkg-source, dpkg-genbuildinfo and dpkg-genchanges:
// the .dsc / .buildinfo / .changes set that debsign signs.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv } from '../../helpers/gnupg-home.js';

export const PACKAGE = 'hello-gate';
export const VERSION = '1.0';

export interface SourcePackage {
  /** Where the built files are. */
  dir: string;
  /** The unpacked source tree (a git repo for dgit, if asked). */
  tree: string;
  dsc: string;
  buildinfo: string;
  changes: string;
}

/** Writes the source tree of a native package maintained by `maintainer` ("Name <email>") into DIR/hello-gate. */
export function writeSourceTree(dir: string, maintainer: string): string {
  const tree = join(dir, PACKAGE);
  mkdirSync(join(tree, 'debian', 'source'), { recursive: true });
  const file = (name: string, text: string) => writeFileSync(join(tree, name), text);
  file('debian/source/format', '3.0 (native)\n');
  file(
    'debian/control',
    `Source: ${PACKAGE}
Section: misc
Priority: optional
Maintainer: ${maintainer}
Standards-Version: 4.6.2
Rules-Requires-Root: no

Package: ${PACKAGE}
Architecture: all
Description: throwaway package signed by the gpg-gate tests
 Never uploaded anywhere.
`,
  );
  file(
    'debian/changelog',
    `${PACKAGE} (${VERSION}) unstable; urgency=medium

  * Initial release.

 -- ${maintainer}  Mon, 01 Jan 2024 00:00:00 +0000
`,
  );
  // No debhelper: the targets do nothing, and dgit's clean step is not asked for.
  file(
    'debian/rules',
    '#!/usr/bin/make -f\nclean build build-arch build-indep binary binary-arch binary-indep:\n\ttrue\n',
  );
  chmodSync(join(tree, 'debian/rules'), 0o755);
  file('README', 'A package that exists to be signed.\n');
  return tree;
}

/** Builds the source-only upload set (.dsc, .tar.xz, .buildinfo, .changes) into DIR. */
export function buildSourcePackage(dir: string, maintainer: string): SourcePackage {
  const tree = writeSourceTree(dir, maintainer);
  const env = cleanEnv({ SOURCE_DATE_EPOCH: '1704067200' });
  execFileSync('dpkg-source', ['-b', PACKAGE], { cwd: dir, env, stdio: 'ignore' });
  execFileSync('dpkg-genbuildinfo', ['--build=source'], { cwd: tree, env, stdio: 'ignore' });
  const changes = join(dir, `${PACKAGE}_${VERSION}_source.changes`);
  writeFileSync(
    changes,
    execFileSync('dpkg-genchanges', ['--build=source'], { cwd: tree, env, stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  return {
    dir,
    tree,
    dsc: join(dir, `${PACKAGE}_${VERSION}.dsc`),
    buildinfo: join(dir, `${PACKAGE}_${VERSION}_source.buildinfo`),
    changes,
  };
}

// A distro for the real dgit, offline, configured like dgit's own test suite does it: everything dgit would reach
// over the network (archive queries, the dgit git server, the mirror) is a local file or repository.

export const DISTRO = 'gpg-gate-test';

/** git config text for the distro, its files under `dir` (archive-query/, mirror/, dgit-repos/). */
export function distroConfig(dir: string): string {
  return `[dgit-distro "${DISTRO}"]
  archive-query = dummycat:${dir}/archive-query
  mirror = file://${dir}/mirror/
  git-url = ${dir}/dgit-repos
  git-host = dgit-repos.invalid
  git-check = true
  policy-query-supported-ssh = false
  upload-host = ${DISTRO}
`;
}

// docs/performance.md: written by `npm run bench -- --doc=docs/performance.md` around the table that run measured, so
// that the document never holds a hand-copied number. The prose says what each row means and why a target is missed;
// the figures are the run's.

const INTRO = `# Performance

Written by \`npm run bench -- --doc=docs/performance.md\` (about 3 minutes on 2 cores): every figure below is from
that one run. Each of our paths runs alternately with its baseline on the same machine, and each result is the
per-round ratio (or difference), median [p25–p75], so that a shared, noisy machine moves both sides alike. Run
\`npm run bench\` to print the table without writing this file, \`--only=SECTION,…\` for a part, \`--quick\` for a smoke
test.
`;

const WHY = `## Reading the table

- **Passthrough** (\`gpg --version\`, \`gpg --list-keys\` through the shim ÷ \`node -e 0\`). Node 20 has no \`execve\`, so
  the shim must spawn gpg and wait for it; the floor row (\`node -e 0\` then gpg) is what any Node front end costs. The
  shim's own start (its \`/bin/sh\` line that captures the caller's signal state, compiling the bundle, the option
  table, classifying, finding the real gpg) comes on top. On Node ≥ 22.15 the shim execs gpg instead of spawning it
  (\`process.execve\`), so no Node process waits beside gpg, but its own start remains: measured on Node 22.23 with
  \`PATH=<node 22>:$PATH node dist/bench.js --only=passthrough\`, where \`node -e 0\` itself starts much faster, the ratio
  is higher, not lower. The Node ≥ 22.15 rows measure exactly that (\`GPG_GATE_TEST_NODE22\` or the Node 22 that
  .ci/run installs, first on PATH, against its own \`node -e 0\`): its floor row alone is above 1.10×, because gpg's
  own few milliseconds are more than a tenth of Node 22's faster start. Meeting 1.10× needs a native front end.
- **Gate round trip** (a detached signature through a supervised job − the same call unsupervised). Most of it is the
  shim: loading its signing path (\`node:net\`, \`node:crypto\`), spooling and hashing the input, connecting, hashing
  gpg's output. The supervisor's share is small but includes the fsyncs that must reach the disk before "proceed".
- **Large payload** (1 GiB detached, shim ÷ gpg alone). The shim copies the input into a private spool while hashing
  it and gpg signs the copy: that is what makes the journaled digest exactly the signed bytes (I4). Meeting 1.30×
  needs the gate where gpg has already hashed the data: gpg-agent's PKSIGN.
- **Supervisor signing** (\`--sign-in-supervisor\`: openpgp.js with the key unlocked once ÷ gpg spawned per signature).
- **Concurrent jobs** (many gated jobs at once ÷ the same jobs without the gate). Each gated job starts two Node
  processes (supervisor and shim) where the plain job starts only gpg.
- **Agent gate** (\`gpg-gate run --agent-gate --gnupghome KEYHOME\`: the real gpg in the job, its GNUPGHOME holding
  public keys and a redirect to the supervisor's Assuan proxy, ÷ the same gpg outside any job with KEYHOME). Each
  comparison is one long-lived job whose driver alternates the two. With \`--no-shim\` nothing is on PATH, so a
  read-only call pays only for its home (a copied keyring, \`no-autostart\`): nothing measurable. A small signature
  pays the proxy: gpg's connection to it and the proxy's own to the key holder's extra socket, the PKSIGN held while
  the journal's request, approval and result records are written (fsync'd), then relayed; the commit step ran once, in
  the warm-up. A large signature is hashed by gpg itself, so the gate's cost stays that fixed few milliseconds. With
  the shim on PATH (default mode, its own job, informative) the shim still spools and hashes the input before gpg
  hashes the spool and asks the proxy: that is the price of keeping the shim.
`;

/** The whole document: the run's own output (machine, load, table) between the fixed prose. */
export function performanceDoc(report: string, date: string): string {
  return `${INTRO}\nMeasured ${date}:\n\n\`\`\`\n${report.trim()}\n\`\`\`\n\n${WHY}`;
}

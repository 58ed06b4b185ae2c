// What the gate adds to one small signing call. Inside one warm supervised job the driver alternates three calls:
// the shim asking the supervisor, the same shim told to sign unsupervised (its start-up plus gpg, no gate), and gpg
// alone. The first minus the second isolates the gate: spool and hash, socket, the supervisor's journal writes
// (fsync'd), the decision, hashing the output, the result and its acknowledgement.
import { writeFileSync } from 'node:fs';
import type { Rounds } from './interleave.js';
import { differences, formatSpread, ms, ratios, signedMs, summarize, times } from './stats.js';
import type { Row } from './table.js';
import { runUnderGate } from './under-gate.js';
import type { Workspace } from './workspace.js';

const TARGET_MS = 5;

export function gateRoundTripRows(ws: Workspace, rounds: Rounds): Row[] {
  const data = ws.path('small.txt');
  writeFileSync(data, 'a small payload, as git signs a commit object\n'.repeat(20));
  const sign = (out: string) => ['--batch', '--yes', '-u', ws.fingerprint, '-o', ws.path(out), '-b', data];
  const samples = runUnderGate(
    ws,
    [
      { name: 'gate', file: ws.shim, args: sign('gate.sig') },
      {
        name: 'unsupervised',
        file: ws.shim,
        args: sign('unsupervised.sig'),
        unset: ['GPG_GATE_SOCKET', 'GPG_GATE_TOKEN'],
        set: { GPG_GATE_UNSUPERVISED: 'passthrough' },
      },
      { name: 'gpg', file: ws.realGpg, args: sign('gpg.sig') },
    ],
    rounds,
  );
  const gate = (samples.gate ?? []).map((s) => s.ms);
  const bare = (samples.unsupervised ?? []).map((s) => s.ms);
  const gpg = (samples.gpg ?? []).map((s) => s.ms);
  const added = summarize(differences(gate, bare));
  return [
    {
      what: 'gate round trip: shim+gate − shim unsupervised',
      ours: ms(summarize(gate).median),
      baseline: ms(summarize(bare).median),
      result: formatSpread(added, signedMs),
      target: `≤ +${TARGET_MS} ms`,
      met: added.median <= TARGET_MS,
    },
    {
      what: '  shim start-up on a signing call (unsupervised shim − gpg)',
      ours: ms(summarize(bare).median),
      baseline: ms(summarize(gpg).median),
      result: formatSpread(summarize(differences(bare, gpg)), signedMs),
      target: '',
      met: null,
    },
    {
      what: '  detached signature through the gate ÷ gpg alone',
      ours: ms(summarize(gate).median),
      baseline: ms(summarize(gpg).median),
      result: formatSpread(summarize(ratios(gate, gpg)), times),
      target: '',
      met: null,
    },
  ];
}

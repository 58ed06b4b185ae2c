// Supervisor-side signing (--sign-in-supervisor): signatures per second of openpgp.js in a warm supervisor (keys
// unlocked once) against spawning gpg for each signature. Blocks of each alternate, so both see the same load. A
// third block times the openpgp.js signing core alone (payload in memory, no files): the signer's file I/O is the
// difference.
import { interleave, type Rounds } from './interleave.js';
import { benchOpenpgpSign } from './openpgp-sign.js';
import { formatSpread, perSecond, ratios, summarize, times } from './stats.js';
import { benchSupervisorSign } from './supervisor-sign.js';
import type { Row } from './table.js';
import type { Workspace } from './workspace.js';

const TARGET = 10;

export async function supervisorSigningRows(
  ws: Workspace,
  perBlock: number,
  coreSeconds: number,
  rounds: Rounds,
): Promise<Row[]> {
  const block = (backend: 'openpgp' | 'gnupg') => async () =>
    (
      await benchSupervisorSign({
        backend,
        gnupghome: ws.home,
        keyFile: ws.keyFile,
        passphrase: null,
        passphraseFile: null,
        localUser: ws.fingerprint,
        signatures: perBlock,
      })
    ).perSecond;
  const samples = await interleave(
    [
      { name: 'openpgp', run: block('openpgp') },
      { name: 'gnupg', run: block('gnupg') },
      {
        name: 'core',
        run: async () =>
          (await benchOpenpgpSign({ keyFile: ws.keyFile, localUser: ws.fingerprint, seconds: coreSeconds })).perSecond,
      },
    ],
    rounds,
  );
  const openpgp = samples.openpgp ?? [];
  const gnupg = samples.gnupg ?? [];
  const core = samples.core ?? [];
  const r = summarize(ratios(openpgp, gnupg));
  return [
    {
      what: `supervisor signing, ${openpgp.length * perBlock} sigs: openpgp.js signer warm ÷ gpg per sig`,
      ours: perSecond(summarize(openpgp).median),
      baseline: perSecond(summarize(gnupg).median),
      result: formatSpread(r, times),
      target: `≥ ${TARGET}× sig/s`,
      met: r.median >= TARGET,
    },
    {
      what: '  openpgp.js signing core alone (in memory, no files) ÷ gpg per sig',
      ours: perSecond(summarize(core).median),
      baseline: perSecond(summarize(gnupg).median),
      result: formatSpread(summarize(ratios(core, gnupg)), times),
      target: '',
      met: null,
    },
  ];
}

// The agent gate is for signing only: through the job's GNUPGHOME, agent commands that export, cache, list, decrypt,
// generate or stop are answered as gpg-agent's restricted mode answers them (ERR Forbidden), never reach the key
// holder's agent, and are journaled by name without their arguments (which may hold a passphrase).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERR_FORBIDDEN } from '../../agent-gate/agent-commands.js';
import { agentPid, explain, runAgentJob, useKeyHolder } from './support/agent-job.js';

describe('--agent-gate refuses what is not signing', () => {
  const fx = useKeyHolder('gpg-gate-agent-refused-');

  it('EXPORT_KEY, PRESET_PASSPHRASE, KEYINFO, PKDECRYPT, GENKEY, KILLAGENT: Forbidden, journaled by name', async () => {
    // A passphrase as hex: it must appear nowhere in the journal.
    const secretHex = Buffer.from('correct horse battery staple').toString('hex').toUpperCase();
    const commands: [string, string][] = [
      ['EXPORT_KEY', `EXPORT_KEY ${fx.holder.keygrip}`],
      ['PRESET_PASSPHRASE', `PRESET_PASSPHRASE ${fx.holder.keygrip} -1 ${secretHex}`],
      ['KEYINFO', 'KEYINFO --list'],
      ['PKDECRYPT', 'PKDECRYPT'],
      ['GENKEY', 'GENKEY'],
      ['KILLAGENT', 'KILLAGENT'],
    ];
    const pidBefore = agentPid(fx.holder);
    // One gpg-connect-agent per command, each answer in its own file; GNUPGHOME is the job's (the gate sets it).
    const script = commands
      .map(([name, line]) => `gpg-connect-agent '${line}' /bye > '${fx.t.path(`${name}.out`)}' 2>&1`)
      .join('\n');
    writeFileSync(fx.t.path('commands.sh'), script + '\n');
    const r = await runAgentJob({
      dir: fx.t.dir,
      name: 'refused',
      holder: fx.holder,
      shim: false,
      command: ['sh', fx.t.path('commands.sh')],
    });
    expect(r.code, explain(r)).toBe(0);

    for (const [name] of commands) {
      const answer = readFileSync(fx.t.path(`${name}.out`), 'utf8');
      expect(
        answer.split('\n').filter((l) => l.startsWith('ERR ') || l.startsWith('OK') || l.startsWith('D ')),
        name,
      ).toEqual([ERR_FORBIDDEN]);
    }
    expect(ERR_FORBIDDEN).toBe('ERR 67109115 Forbidden <GPG Agent>');

    const refused = r.records.flatMap((e) => (e.event === 'agent-refused' ? [e] : []));
    expect(refused.map((e) => e.command)).toEqual(commands.map(([name]) => name));
    for (const e of refused) expect(e.attempt).toBe(1);
    // Never the arguments: not the keygrip, not the passphrase, not `--list`.
    const journal = readFileSync(r.journal, 'utf8');
    expect(journal).not.toContain(fx.holder.keygrip);
    expect(journal).not.toContain(secretHex);
    expect(journal).not.toContain('--list');
    // Nothing was asked to sign.
    expect(r.records.map((e) => e.event)).not.toContain('sign-requested');

    // The key fx.holder's agent heard none of it, and still runs (same pid) after KILLAGENT.
    const log = readFileSync(fx.holder.log.path, 'utf8');
    // The log does show commands that reached it (agentPid's), so the absences below mean something.
    expect(log).toMatch(/<- GETINFO pid/);
    for (const [name] of commands) expect(log, name).not.toMatch(new RegExp(`<- ${name}\\b`));
    expect(agentPid(fx.holder)).toBe(pidBefore);
  });
});

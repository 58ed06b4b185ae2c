// 50 unmodified gpg processes sign at once through the agent gate (--no-shim), each on its own input: 50 PKSIGNs held
// on 50 proxy connections behind one commit step, then all let through. Every signature verifies; the journal has
// one commit step, 50 `signed` with exit 0, and job-ended counts 50.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { journalViolations } from '../reliability/journal-truth.js';
import { afterJob, agentJobDir, readText, startAgentJob, writeHook, type AgentJobDir } from './support/killable-job.js';

const N = 50;
let j: AgentJobDir;
beforeAll(() => {
  j = agentJobDir();
});
afterAll(() => j.cleanup());

it(`${N} concurrent gpg --detach-sign: one commit step, ${N} signatures that verify`, async () => {
  for (let i = 1; i <= N; i++) writeFileSync(j.path(`in-${i}`), `input ${i} of ${N}\n`);
  // Each gpg's exit status in exit-I: `wait` on one pid at a time keeps them apart.
  writeFileSync(
    j.path('child.sh'),
    [
      'pids=',
      `for i in $(seq ${N}); do /usr/bin/gpg --detach-sign -u ${j.fpr} -o sig-$i in-$i 2> err-$i & pids="$pids $!"; done`,
      'i=0; failed=0',
      'for p in $pids; do i=$((i+1)); wait $p; s=$?; echo $s > exit-$i; [ $s = 0 ] || failed=1; done',
      'exit $failed',
    ].join('\n') + '\n',
  );
  const mark = j.log.mark();
  const started = Date.now();
  const r = await startAgentJob(j, writeHook(j), ['sh', j.path('child.sh')]).done;
  const ms = Date.now() - started;
  console.info(`[agent gate] ${N} concurrent signatures in ${ms} ms`);
  const exits = Array.from({ length: N }, (_, i) => readText(j, `exit-${i + 1}`));
  expect(exits, readText(j, 'err-1')).toEqual(Array(N).fill('0'));
  expect(r.code, r.stderr).toBe(0);

  // Verified with the key holder's public keyring, by gpg itself.
  for (let i = 1; i <= N; i++) {
    execFileSync('gpg', ['--batch', '--verify', j.path(`sig-${i}`), j.path(`in-${i}`)], {
      env: j.keyHome.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  const after = await afterJob(j, mark);
  expect(readText(j, 'hook.pksigns-seen')).toBe('0');
  expect(after.agentSignatures).toBe(N);
  const count = (e: string) => after.records.filter((x) => x.event === e).length;
  expect([count('commit-requested'), count('committed')]).toEqual([1, 1]);
  expect([count('sign-requested'), count('sign-approved')]).toEqual([N, N]);
  const signed = after.records.filter((x) => x.event === 'signed');
  expect(signed.map((x) => x.exit)).toEqual(Array(N).fill(0));
  expect(new Set(signed.map((x) => x.id)).size).toBe(N);
  expect(after.records.at(-1)).toMatchObject({ event: 'job-ended', outcome: 'succeeded', signatures: N });
  expect(journalViolations(after.records)).toEqual([]);
});

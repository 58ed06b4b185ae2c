// A stand-in for the shim in tests that need no real gpg: asks the supervisor named by GPG_GATE_SOCKET /
// GPG_GATE_TOKEN to sign FILE; on proceed writes FILE.sig (the data's sha256) and reports it. Exit 0 signed, 2 refused.
// Built to plain JS by build-helpers.ts, because the supervisor runs it as a real process.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { makeRequest, signOnce } from './protocol-client.js';

const file = process.argv[2];
if (!file) throw new Error('usage: sign-client FILE');
const data = readFileSync(file);
const sha256 = createHash('sha256').update(data).digest('hex');
const signature = `signed ${sha256}\n`;
const request = makeRequest(process.env.GPG_GATE_TOKEN ?? '', {
  argv: ['--detach-sign', file],
  inputs: [{ name: file, size: data.length }],
  sha256,
  size: data.length,
  output: `${file}.sig`,
});
try {
  const { reply } = await signOnce(
    process.env.GPG_GATE_SOCKET ?? '',
    request,
    { outputSha256: createHash('sha256').update(signature).digest('hex'), outputSize: signature.length },
    () => writeFileSync(`${file}.sig`, signature),
  );
  if (reply.type === 'decision' && reply.decision === 'proceed') process.exit(0);
  process.stderr.write(`sign-client: refused: ${JSON.stringify(reply)}\n`);
} catch (err) {
  process.stderr.write(`sign-client: ${(err as Error).message}\n`);
}
process.exit(2);

// Checks the queued upload with openpgp.js alone (no gpg needed): the tag's detached signature and the clearsigned
// .changes, each against the demo key's public half.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { UPLOAD } from './upload-names.js';

export interface Verified {
  file: string;
  ok: boolean;
  detail: string;
}

async function outcome(file: string, sigs: openpgp.VerifyMessageResult['signatures']): Promise<Verified> {
  const first = sigs[0];
  if (!first) return { file, ok: false, detail: 'no signature' };
  try {
    await first.verified;
    return { file, ok: true, detail: `good signature by key ${first.keyID.toHex().toUpperCase()}` };
  } catch (err) {
    return { file, ok: false, detail: (err as Error).message };
  }
}

export async function verifyQueue(queue: string, publicArmored: string): Promise<Verified[]> {
  const verificationKeys = await openpgp.readKey({ armoredKey: publicArmored });
  const tag = await openpgp.verify({
    message: await openpgp.createMessage({ binary: readFileSync(join(queue, 'tag.tmp')) }),
    signature: await openpgp.readSignature({ armoredSignature: readFileSync(join(queue, 'tag.tmp.asc'), 'utf8') }),
    verificationKeys,
  });
  const changes = await openpgp.verify({
    message: await openpgp.readCleartextMessage({
      cleartextMessage: readFileSync(join(queue, UPLOAD.changes), 'utf8'),
    }),
    verificationKeys,
  });
  return [await outcome('tag.tmp.asc', tag.signatures), await outcome(UPLOAD.changes, changes.signatures)];
}

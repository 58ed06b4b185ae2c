// Unlocking the signing keys the way gpg-agent would let gpg: with the passphrase gpg was given, only in loopback
// pinentry mode; otherwise gpg would run pinentry, which this backend cannot, so it fails as gpg does without one.
import type { Reporter, Signer } from './signer-list.js';
import { GPG_ERROR, SigningError, signingFailed } from './signing-error.js';

export interface PassphrasePolicy {
  /** --pinentry-mode (null: gpg-agent's default, "ask"). */
  pinentryMode: string | null;
  batch: boolean;
  /** The passphrase gpg read (--passphrase, --passphrase-fd, --passphrase-file), or null. */
  passphrase: string | null;
}

async function primaryUserId(signer: Signer): Promise<string> {
  const primary = await signer.block.key.getPrimaryUser().catch(() => null);
  return primary?.user.userID?.userID ?? signer.block.userIds[0] ?? '';
}

/** Decrypts each signer's key packet if it is protected. Throws gpg's failure otherwise. */
export async function unlockSigners(
  signers: readonly Signer[],
  policy: PassphrasePolicy,
  reporter: Reporter,
): Promise<void> {
  for (const signer of signers) {
    const packet = signer.signingKey.packet;
    if (packet.isDecrypted()) continue;
    const mode = policy.pinentryMode ?? 'ask';
    if (mode === 'loopback' && policy.passphrase !== null) {
      try {
        await packet.decrypt(policy.passphrase);
      } catch {
        throw signingFailed('bad-passphrase', 'Bad passphrase', GPG_ERROR.badPassphrase, 'Bad passphrase', [
          'signing failed: Bad passphrase',
        ]);
      }
      continue;
    }
    if (mode === 'loopback') {
      // gpg asks itself, on the terminal: in batch mode it gives up at once.
      const keyId = signer.signingKey.keyId;
      reporter.status(`USERID_HINT ${keyId} ${await primaryUserId(signer)}`);
      reporter.status(`NEED_PASSPHRASE ${keyId} ${signer.block.primary.keyId} ${signer.signingKey.algorithm} 0`);
      reporter.status('INQUIRE_MAXLEN 100');
      if (policy.batch) {
        throw new SigningError('batch-no-input', "Sorry, we are in batchmode - can't get input", {
          log: ["Sorry, we are in batchmode - can't get input"],
        });
      }
      throw new SigningError(
        'no-passphrase',
        'gpg-gate (openpgp backend) does not prompt on the terminal; pass the passphrase with --passphrase-fd, --passphrase-file or --passphrase',
        { log: ['gpg-gate (openpgp backend): no passphrase given, and it does not prompt on the terminal'] },
      );
    }
    if (mode === 'cancel') {
      throw signingFailed('cancelled', 'Operation cancelled', GPG_ERROR.pinentryCancelled, undefined, [
        'signing failed: Operation cancelled',
      ]);
    }
    const why =
      mode === 'error'
        ? 'signing failed: No pinentry'
        : `gpg-gate (openpgp backend): key ${signer.signingKey.keyId} is protected and pinentry cannot run here; use --pinentry-mode loopback with --passphrase-fd, --passphrase-file or --passphrase`;
    throw signingFailed('no-pinentry', 'No pinentry', GPG_ERROR.noPinentry, why, [why]);
  }
}

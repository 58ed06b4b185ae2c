// gpg's mailbox_from_userid (common/mbox-util.c): the address a Signer's User ID subpacket carries.

const LOCAL_CHARS = /^[0-9_\-.a-zA-Z!#$%&'*+/=?^`{|}~\x80-\uffff]*$/;
const DOMAIN_CHARS = /^[0-9_\-.a-zA-Z\x80-\uffff]*$/;

function hasInvalidEmailChars(address: string): boolean {
  const at = address.indexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  const domain = at < 0 ? '' : address.slice(at + 1).replace(/@/g, '');
  return !LOCAL_CHARS.test(local) || !DOMAIN_CHARS.test(domain);
}

// gpg's string_has_ctrl_or_space: any byte up to and including the space, or DEL.
function hasCtrlOrSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) <= 0x20 || s.charCodeAt(i) === 0x7f) return true;
  return false;
}

function countAt(s: string): number {
  return s.split('@').length - 1;
}

function isValidMailbox(s: string): boolean {
  return (
    s.length > 0 &&
    !hasInvalidEmailChars(s) &&
    countAt(s) === 1 &&
    !s.startsWith('@') &&
    !s.endsWith('@') &&
    !s.endsWith('.') &&
    !s.includes('..')
  );
}

/** The lower-cased address of a user ID ("Name <addr>" or a bare address), or null if it has none. */
export function mailboxFromUserId(userId: string): string | null {
  const open = userId.indexOf('<');
  if (open >= 0) {
    const close = userId.indexOf('>', open + 1);
    if (close <= open + 1) return null;
    const address = userId.slice(open + 1, close);
    if (
      countAt(address) !== 1 ||
      address.startsWith('@') ||
      address.endsWith('@') ||
      address.endsWith('.') ||
      hasCtrlOrSpace(address) ||
      hasInvalidEmailChars(address)
    ) {
      return null;
    }
    return address.toLowerCase();
  }
  return isValidMailbox(userId) ? userId.toLowerCase() : null;
}

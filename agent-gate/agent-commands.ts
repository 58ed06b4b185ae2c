// What the proxy does with each command a job sends towards the key holder's agent. The list is gpg-agent 2.2's own
// restricted mode (agent/command.c: the commands its extra socket answers with Forbidden), so a job sees exactly what
// GnuPG's agent forwarding shows it, plus PKDECRYPT and the descriptor commands. Anything not named is refused: a
// command this table does not know is one nobody has checked. docs/security.md ("The agent gate") says why each is
// refused.

export type CommandRule =
  | { action: 'pass' }
  /** PKSIGN: held until the job's commit step allows it. */
  | { action: 'hold' }
  | { action: 'refuse'; why: string };

const PASS: readonly string[] = [
  // libassuan's own commands.
  'NOP',
  'BYE',
  'RESET',
  'HELP',
  'CANCEL',
  // The agent restricts OPTION and GETINFO itself (only agent-awareness, version, s2k_count, cmd_has_option, restricted).
  'OPTION',
  'GETINFO',
  // What gpg asks before and around a signature: key presence, the key, its prompt text, the digest.
  'ISTRUSTED',
  'HAVEKEY',
  'SIGKEY',
  'SETKEY',
  'SETKEYDESC',
  'SETHASH',
];

const REFUSED: Readonly<Record<string, string>> = {
  GENKEY: 'key generation in the key holder',
  IMPORT_KEY: 'adds a key to the key holder',
  EXPORT_KEY: 'exports a secret key',
  KEYWRAP_KEY: 'the key to wrap secret keys for import or export',
  DELETE_KEY: 'deletes a key of the key holder',
  KEYTOCARD: 'moves a key of the key holder to a card',
  PASSWD: "changes a key's passphrase",
  PRESET_PASSPHRASE: 'puts a passphrase into the cache',
  CLEAR_PASSPHRASE: 'removes a passphrase from the cache',
  GET_PASSPHRASE: 'asks the key holder for a passphrase and returns it',
  GET_CONFIRMATION: "prompts on the key holder's screen",
  PUTVAL: "writes the agent's value store",
  GETVAL: "reads the agent's value store",
  MARKTRUSTED: "changes the key holder's trusted root certificates",
  LISTTRUSTED: "lists the key holder's trusted root certificates",
  KEYINFO: "lists the key holder's keys and their cache state",
  READKEY: 'reads a key of the key holder by keygrip',
  LEARN: "learns the key holder's smartcard",
  SCD: "speaks to the key holder's smartcard daemon",
  GETEVENTCOUNTER: "reads the key holder's event counters",
  UPDATESTARTUPTTY: "changes where the key holder's pinentry appears",
  KILLAGENT: "stops the key holder's agent",
  RELOADAGENT: "reloads the key holder's agent",
  PKDECRYPT: 'decrypts with a key of the key holder: the gate is for signing',
  INPUT: 'passes a file descriptor, which the proxy cannot carry',
  OUTPUT: 'passes a file descriptor, which the proxy cannot carry',
};

export function ruleFor(command: string): CommandRule {
  if (command === 'PKSIGN') return { action: 'hold' };
  if (PASS.includes(command)) return { action: 'pass' };
  return { action: 'refuse', why: REFUSED[command] ?? 'not a command the agent gate knows' };
}

/** The refused commands by name, for the docs and their drift test. */
export const REFUSED_COMMANDS: readonly string[] = Object.keys(REFUSED);

/** gpg-agent's answer to a command its restricted mode forbids: GPG_ERR_FORBIDDEN (251) from source GPGAGENT (4). */
export const ERR_FORBIDDEN = 'ERR 67109115 Forbidden <GPG Agent>';

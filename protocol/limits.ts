// Limits both peers enforce. A peer that exceeds one gets an `error` frame and the connection is closed.

/** Longest JSON frame, newline excluded. argv and input lists must fit. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Largest binary chunk a peer may announce. Senders use CHUNK_BYTES. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
export const CHUNK_BYTES = 256 * 1024;

/** Most connections a supervisor serves at once; further ones get `busy`. */
export const MAX_CONNECTIONS = 64;

/** How long a connected client may stay silent before sending its request. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** How long the supervisor waits for `sign-result` after `proceed` (gpg may wait on a pinentry or a card). */
export const RESULT_TIMEOUT_MS = 30 * 60_000;

/** Random bytes in a token the supervisor issues (≥ 128 bits). Clients send the string they were given verbatim. */
export const TOKEN_BYTES = 32;

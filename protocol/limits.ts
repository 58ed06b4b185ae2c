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

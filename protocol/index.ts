// The protocol module's public surface, imported by both the shim and the harness.
export * from './messages.js';
export * from './limits.js';
export * from './errors.js';
export * from './framing.js';
export * from './validate.js';

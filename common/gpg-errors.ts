// gpg's error values as it prints them in FAILURE status lines (gpg-error source << 24 | code), measured with gpg
// 2.2.40, and its exit status for errors. One table for the shim, its backends, the openpgp core and the supervisor.

export const GPG_ERROR = {
  noSecretKey: 17,
  invalidUserId: 37,
  unusableSecretKey: 54,
  canceled: 99,
  general: 33554433,
  noUserId: 33554448,
  notImplemented: 33554501,
  fileExists: 33587235,
  enoent: 33587281,
  badPassphrase: 67108875,
  noPinentry: 67108949,
  pinentryCancelled: 67108963,
} as const;

/** gpg's exit status when anything failed (the shim's too, whenever it refuses). */
export const GPG_EXIT_ERROR = 2;

// Every copy of the shim carries this marker near the top of its file (the build writes it into the banner), so that
// finding "the real gpg" on PATH can skip any shim, whatever its name or location.
export const SHIM_MARKER = 'gpg-gate-shim-marker-v1';

/** How far into a candidate file the marker is looked for. */
export const MARKER_SCAN_BYTES = 512;

// Small inputs and outputs held whole in memory: a small signature then costs its caller a few system calls instead
// of a read stream (with its 1 MiB read buffer) and a write stream per signature. The packets are the same.
import type { DataSource, Sink } from './sign-data.js';

/**
 * Data read whole on first use (when the core first iterates it, so a read error comes where a stream's would),
 * then served from memory as one chunk, also to a second pass (line-length checks read the data twice).
 */
export function wholeSource(read: () => Promise<Uint8Array> | Uint8Array): DataSource {
  let data: Promise<Uint8Array> | null = null;
  return {
    open: () => ({
      async *[Symbol.asyncIterator]() {
        data ??= Promise.resolve().then(read);
        yield await data;
      },
    }),
  };
}

/** Collects the output in memory, for a caller that writes it at once. */
export class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  /** Copies each chunk: a Sink's caller may reuse a chunk once the sink has resolved. */
  readonly sink: Sink = (chunk) => {
    this.chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
    return Promise.resolve();
  };

  /** Everything written so far, as one buffer. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

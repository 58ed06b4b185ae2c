// gpg compresses inline signed messages (ZIP, i.e. raw deflate, at zlib's default level): a streaming deflate with
// back-pressure towards the output.
import { once } from 'node:events';
import { constants, createDeflateRaw } from 'node:zlib';

export class DeflateWriter {
  private readonly zip = createDeflateRaw({ level: constants.Z_DEFAULT_COMPRESSION });
  private readonly pump: Promise<void>;

  constructor(next: (chunk: Buffer) => Promise<void>) {
    const zip = this.zip;
    this.pump = (async () => {
      for await (const chunk of zip) await next(chunk as Buffer);
    })();
    // Observed by write() and end(); an unobserved rejection must not crash the process first.
    this.pump.catch(() => undefined);
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.zip.write(data)) return;
    await Promise.race([once(this.zip, 'drain'), this.pump.then(() => Promise.reject(new Error('deflate stopped')))]);
  }

  async end(): Promise<void> {
    this.zip.end();
    await this.pump;
  }
}

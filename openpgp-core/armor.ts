// ASCII armor exactly as gpg 2.2 writes it: no headers, 64 columns, a CRC-24 line, LF line ends. Streaming, so an
// armored inline signature of any size needs no more memory than a line.

export type ArmorType = 'SIGNATURE' | 'MESSAGE';

const CRC24_INIT = 0xb704ce;
const CRC24_POLY = 0x1864cfb;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 16;
    for (let j = 0; j < 8; j++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= CRC24_POLY;
    }
    table[i] = crc & 0xffffff;
  }
  return table;
})();

const LINE_BYTES = 48; // 64 base64 characters

export class ArmorWriter {
  private crc = CRC24_INIT;
  private rest = Buffer.alloc(0);

  constructor(
    private readonly type: ArmorType,
    private readonly emit: (chunk: Buffer) => Promise<void>,
  ) {}

  async begin(): Promise<void> {
    await this.emit(Buffer.from(`-----BEGIN PGP ${this.type}-----\n\n`));
  }

  async write(data: Uint8Array): Promise<void> {
    let crc = this.crc;
    for (let i = 0; i < data.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >> 16) ^ data[i]!) & 0xff]!) & 0xffffff;
    this.crc = crc;
    const all = this.rest.length ? Buffer.concat([this.rest, data]) : Buffer.from(data);
    const whole = all.length - (all.length % LINE_BYTES);
    this.rest = Buffer.from(all.subarray(whole));
    if (whole === 0) return;
    const lines: string[] = [];
    for (let i = 0; i < whole; i += LINE_BYTES) lines.push(all.toString('base64', i, i + LINE_BYTES));
    await this.emit(Buffer.from(lines.join('\n') + '\n'));
  }

  async end(): Promise<void> {
    const crc = Buffer.from([(this.crc >> 16) & 0xff, (this.crc >> 8) & 0xff, this.crc & 0xff]).toString('base64');
    const last = this.rest.length ? `${this.rest.toString('base64')}\n` : '';
    await this.emit(Buffer.from(`${last}=${crc}\n-----END PGP ${this.type}-----\n`));
  }
}

/**
 * A response body that is already in memory (small reads). It is an ordinary Readable for every
 * caller, and lets the HTTP layer send the bytes in one write instead of through a pipeline.
 */
import { Readable } from 'node:stream';

export class BufferedBody extends Readable {
  readonly buffer: Buffer;
  private sent = false;

  constructor(buffer: Buffer) {
    super();
    this.buffer = buffer;
  }

  override _read(): void {
    if (!this.sent && this.buffer.length > 0) {
      this.sent = true;
      this.push(this.buffer);
    }
    this.push(null);
  }
}

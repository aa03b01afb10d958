/**
 * Decoding of `Content-Encoding: aws-chunked` request bodies (S3 streaming uploads), selected by
 * the request's `x-amz-content-sha256`:
 *
 * - `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: `hex-size;chunk-signature=sig\r\n data \r\n` …
 *   `0;chunk-signature=sig\r\n\r\n`. Every chunk signature is verified, chained from the seed
 *   (the request's own signature):
 *   `AWS4-HMAC-SHA256-PAYLOAD\n{amzDate}\n{scope}\n{previousSig}\n{sha256("")}\n{sha256(data)}`.
 * - `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: the same, then after the final chunk trailing
 *   headers (`name:value\r\n`…), `x-amz-trailer-signature:sig\r\n` and `\r\n`. The trailer
 *   signature is `AWS4-HMAC-SHA256-TRAILER\n{amzDate}\n{scope}\n{finalChunkSig}\n{sha256(T)}`
 *   where T is the trailers as `name:value\n` lines (LF, not CRLF).
 * - `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: `hex-size\r\n data \r\n` … `0\r\n`, trailers, `\r\n`
 *   (what the AWS SDKs send over plain HTTP, typically with an `x-amz-checksum-crc32` trailer).
 *
 * Data is streamed through as it arrives, never buffered per chunk: the chunk's hash is computed
 * incrementally and its signature checked when the chunk ends. Consequently
 * **decoded bytes are emitted before the signature of the chunk that carries them is verified**.
 * A bad signature (or any framing error) makes the stream error before it ends, so a consumer
 * must treat its output as untrusted until the stream finishes successfully (e.g. write to a
 * temporary object and commit only on `finish`/`end`, never on partial data).
 *
 * Checksum trailers (`x-amz-checksum-*`) are parsed and exposed, not checked: comparing them with
 * the data is the caller's business.
 */
import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { SIGNATURE_MISMATCH_MESSAGE, SigV4Error } from './errors.js';
import { EMPTY_SHA256, isLowerHex64, sha256Hex } from './hash.js';

export const STREAMING_SIGNED_PAYLOAD = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_PAYLOAD_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_PAYLOAD_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

export type AwsChunkedMode =
  | typeof STREAMING_SIGNED_PAYLOAD
  | typeof STREAMING_SIGNED_PAYLOAD_TRAILER
  | typeof STREAMING_UNSIGNED_PAYLOAD_TRAILER;

/** Whether an `x-amz-content-sha256` value announces an aws-chunked body this module decodes. */
export function isAwsChunkedMode(contentSha256: string | undefined): contentSha256 is AwsChunkedMode {
  return (
    contentSha256 === STREAMING_SIGNED_PAYLOAD ||
    contentSha256 === STREAMING_SIGNED_PAYLOAD_TRAILER ||
    contentSha256 === STREAMING_UNSIGNED_PAYLOAD_TRAILER
  );
}

/** What chunk signatures chain from; a successful `verifyRequest` result has all of it. */
export interface ChunkSigningContext {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

export interface AwsChunkedDecoderOptions {
  /** The request's `x-amz-content-sha256`. */
  mode: string;
  /** Required for the two signed modes (pass the `verifyRequest` success result). */
  signing?: ChunkSigningContext;
  /** `x-amz-decoded-content-length`, if the request had one: the decoded size must equal it. */
  decodedContentLength?: number | string;
  /** `x-amz-trailer` (comma-separated names): each must arrive as a trailer. */
  declaredTrailers?: string;
  /** Limit on the total size of the trailer section; default 16 KiB. */
  maxTrailerBytes?: number;
}

const MAX_SIZE_LINE = 4096;
const DEFAULT_MAX_TRAILER_BYTES = 16 * 1024;
const CHUNK_SIGNATURE_PREFIX = 'chunk-signature=';
const TRAILER_SIGNATURE = 'x-amz-trailer-signature';

// Parser states.
const SIZE_LINE = 0;
const DATA = 1;
const DATA_CR = 2;
const DATA_LF = 3;
const FINAL_CR = 4;
const FINAL_LF = 5;
const TRAILER_LINE = 6;
const DONE = 7;

const incompleteBody = (message = 'The request body terminated unexpectedly'): SigV4Error =>
  new SigV4Error('IncompleteBody', 400, message);
const invalidRequest = (message: string): SigV4Error => new SigV4Error('InvalidRequest', 400, message);
const signatureMismatch = (): SigV4Error => new SigV4Error('SignatureDoesNotMatch', 403, SIGNATURE_MISMATCH_MESSAGE);

const DIGITS = /^[0-9]{1,15}$/;

function parseLength(v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v;
  } else if (DIGITS.test(v)) {
    return Number(v);
  }
  throw new SigV4Error('InvalidArgument', 400, 'x-amz-decoded-content-length must be a non-negative integer');
}

function hexValue(s: string): number {
  // Up to 16 digits (leading zeros allowed); the value must stay a safe integer.
  if (s.length === 0 || s.length > 16) return NaN;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else return NaN;
    n = n * 16 + d;
  }
  return Number.isSafeInteger(n) ? n : NaN;
}

/**
 * A `Transform` from the raw aws-chunked body to the decoded payload. Errors are
 * {@link SigV4Error}s: `SignatureDoesNotMatch` (403) for a bad chunk or trailer signature,
 * `IncompleteBody` (400) for a truncated body or a decoded size that differs from
 * `x-amz-decoded-content-length`, `InvalidRequest` (400) for malformed framing.
 */
export class AwsChunkedDecoder extends Transform {
  readonly mode: AwsChunkedMode;
  /** Resolves with the trailers when the stream ends successfully; rejects with its error. */
  readonly trailers: Promise<Record<string, string>>;

  private state = SIZE_LINE;
  private readonly signed: boolean;
  private readonly hasTrailer: boolean;
  private readonly key: Buffer | undefined;
  private readonly payloadPrefix: string;
  private readonly trailerPrefix: string;
  private previousSignature: string;
  private chunkSignature = '';
  private chunkHash: Hash | undefined;
  private remaining = 0;
  private decoded = 0;
  private readonly expectedLength: number | undefined;
  private readonly declaredTrailers: string[];
  private readonly maxTrailerBytes: number;
  private trailerBytes = 0;
  private readonly trailerMap = new Map<string, string>();
  private trailerSignatureVerified = false;
  private lineParts: Buffer[] = [];
  private lineLength = 0;
  private result: Record<string, string> | undefined;
  private settled = false;
  private resolveTrailers!: (t: Record<string, string>) => void;
  private rejectTrailers!: (e: Error) => void;

  constructor(opts: AwsChunkedDecoderOptions) {
    super();
    if (!isAwsChunkedMode(opts.mode)) {
      throw new SigV4Error('InvalidArgument', 400, `Unsupported aws-chunked x-amz-content-sha256 value '${opts.mode}'`);
    }
    this.mode = opts.mode;
    this.signed = opts.mode !== STREAMING_UNSIGNED_PAYLOAD_TRAILER;
    this.hasTrailer = opts.mode !== STREAMING_SIGNED_PAYLOAD;
    if (this.signed && opts.signing === undefined) {
      throw new SigV4Error('InvalidRequest', 400, `${opts.mode} needs the request's signing context`);
    }
    const s = opts.signing;
    this.key = s?.signingKey;
    this.previousSignature = s?.seedSignature ?? '';
    this.payloadPrefix = s === undefined ? '' : `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n`;
    this.trailerPrefix = s === undefined ? '' : `AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${s.scope}\n`;
    this.expectedLength = parseLength(opts.decodedContentLength);
    this.declaredTrailers = (opts.declaredTrailers ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '');
    this.maxTrailerBytes = opts.maxTrailerBytes ?? DEFAULT_MAX_TRAILER_BYTES;
    this.trailers = new Promise<Record<string, string>>((resolve, reject) => {
      this.resolveTrailers = resolve;
      this.rejectTrailers = reject;
    });
    // The stream's own 'error' event reports failures; do not also make an unawaited promise an
    // unhandled rejection. Awaiting `trailers` still sees the rejection.
    this.trailers.catch(() => undefined);
  }

  /** Decoded payload bytes so far. */
  get decodedLength(): number {
    return this.decoded;
  }

  /** The trailers once the stream has ended successfully, else undefined. */
  getTrailers(): Readonly<Record<string, string>> | undefined {
    return this.result;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.state === FINAL_CR && this.lineLength === 0) {
        // Lenient: the body ended right after the final chunk's line, without its closing CRLF.
        this.state = DONE;
      } else if (this.state === TRAILER_LINE && this.lineLength === 0) {
        // Lenient: the body ended without the empty line that closes the trailer section.
        this.endTrailers();
      }
      if (this.state !== DONE) throw incompleteBody();
      this.result = Object.fromEntries(this.trailerMap);
      this.settled = true;
      this.resolveTrailers(this.result);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.settled) {
      this.settled = true;
      this.rejectTrailers(error ?? incompleteBody());
    }
    callback(error);
  }

  private consume(buf: Buffer): void {
    const n = buf.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case SIZE_LINE:
        case TRAILER_LINE: {
          const nl = buf.indexOf(0x0a, i);
          const end = nl === -1 ? n : nl + 1;
          this.appendLine(buf, i, end);
          i = end;
          if (nl !== -1) {
            const line = this.takeLine();
            if (this.state === SIZE_LINE) this.onSizeLine(line);
            else this.onTrailerLine(line);
          }
          break;
        }
        case DATA: {
          const take = Math.min(this.remaining, n - i);
          const slice = buf.subarray(i, i + take);
          this.chunkHash?.update(slice);
          this.remaining -= take;
          this.decoded += take;
          i += take;
          this.push(slice);
          if (this.remaining === 0) {
            if (this.chunkHash !== undefined) {
              this.verifyChunk(this.chunkHash.digest('hex'));
              this.chunkHash = undefined;
            }
            this.state = DATA_CR;
          }
          break;
        }
        case DATA_CR:
        case FINAL_CR:
          if (buf[i] !== 0x0d) throw invalidRequest('Malformed aws-chunked body: expected CRLF after chunk data');
          i++;
          this.state = this.state === DATA_CR ? DATA_LF : FINAL_LF;
          break;
        case DATA_LF:
        case FINAL_LF:
          if (buf[i] !== 0x0a) throw invalidRequest('Malformed aws-chunked body: expected CRLF after chunk data');
          i++;
          this.state = this.state === DATA_LF ? SIZE_LINE : DONE;
          break;
        default:
          throw invalidRequest('Malformed aws-chunked body: data after the final chunk');
      }
    }
  }

  private appendLine(buf: Buffer, from: number, to: number): void {
    if (to === from) return;
    const len = to - from;
    if (this.state === SIZE_LINE) {
      if (this.lineLength + len > MAX_SIZE_LINE) {
        throw invalidRequest('Malformed aws-chunked body: chunk header line too long');
      }
    } else {
      this.trailerBytes += len;
      if (this.trailerBytes > this.maxTrailerBytes) throw invalidRequest('aws-chunked trailer section too large');
    }
    this.lineParts.push(buf.subarray(from, to));
    this.lineLength += len;
  }

  /** The completed line (ending in LF), as latin1 text. */
  private takeLine(): string {
    const parts = this.lineParts;
    const line =
      parts.length === 1 ? (parts[0] as Buffer).toString('latin1') : Buffer.concat(parts, this.lineLength).toString('latin1');
    this.lineParts = [];
    this.lineLength = 0;
    return line;
  }

  private onSizeLine(line: string): void {
    if (line.length < 2 || line.charCodeAt(line.length - 2) !== 0x0d) {
      throw invalidRequest('Malformed aws-chunked body: chunk header must end with CRLF');
    }
    const content = line.slice(0, line.length - 2);
    const semi = content.indexOf(';');
    const size = hexValue(semi === -1 ? content : content.slice(0, semi));
    if (size !== size) throw invalidRequest('Malformed aws-chunked body: invalid chunk size');
    if (this.signed) {
      const ext = semi === -1 ? '' : content.slice(semi + 1);
      if (!ext.startsWith(CHUNK_SIGNATURE_PREFIX)) {
        throw invalidRequest('Malformed aws-chunked body: missing chunk-signature');
      }
      this.chunkSignature = ext.slice(CHUNK_SIGNATURE_PREFIX.length);
    }
    if (this.expectedLength !== undefined && this.decoded + size > this.expectedLength) {
      throw incompleteBody('The decoded body is longer than x-amz-decoded-content-length');
    }
    if (size > 0) {
      this.remaining = size;
      if (this.signed) this.chunkHash = createHash('sha256');
      this.state = DATA;
      return;
    }
    // The final, empty chunk.
    if (this.signed) this.verifyChunk(EMPTY_SHA256);
    if (this.expectedLength !== undefined && this.decoded !== this.expectedLength) {
      throw incompleteBody('The decoded body is shorter than x-amz-decoded-content-length');
    }
    this.state = this.hasTrailer ? TRAILER_LINE : FINAL_CR;
  }

  private verifyChunk(dataHash: string): void {
    const provided = this.chunkSignature;
    const expected = createHmac('sha256', this.key as Buffer)
      .update(this.payloadPrefix)
      .update(this.previousSignature)
      .update('\n' + EMPTY_SHA256 + '\n')
      .update(dataHash)
      .digest();
    if (!isLowerHex64(provided) || !timingSafeEqual(expected, Buffer.from(provided, 'hex'))) throw signatureMismatch();
    this.previousSignature = provided;
  }

  private onTrailerLine(line: string): void {
    let end = line.length - 1; // drop LF (and CR before it)
    if (end > 0 && line.charCodeAt(end - 1) === 0x0d) end--;
    const text = line.slice(0, end);
    if (text === '') {
      this.endTrailers();
      return;
    }
    if (this.trailerSignatureVerified) throw invalidRequest('Malformed aws-chunked body: trailer after the trailer signature');
    const colon = text.indexOf(':');
    if (colon <= 0) throw invalidRequest('Malformed aws-chunked body: invalid trailer line');
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === TRAILER_SIGNATURE) {
      if (!this.signed) throw invalidRequest('Unexpected x-amz-trailer-signature in an unsigned aws-chunked body');
      this.verifyTrailerSignature(value);
      return;
    }
    if (name === '' || this.trailerMap.has(name)) throw invalidRequest(`Malformed aws-chunked body: bad or repeated trailer '${name}'`);
    this.trailerMap.set(name, value);
  }

  private verifyTrailerSignature(provided: string): void {
    const matches = (entries: [string, string][]): boolean => {
      let text = '';
      for (const [n, v] of entries) text += n + ':' + v + '\n';
      const expected = createHmac('sha256', this.key as Buffer)
        .update(this.trailerPrefix + this.previousSignature + '\n' + sha256Hex(text))
        .digest();
      return timingSafeEqual(expected, Buffer.from(provided, 'hex'));
    };
    if (!isLowerHex64(provided)) throw signatureMismatch();
    const entries = [...this.trailerMap];
    // Signers write trailers in order; one that sorted them is also accepted.
    const ok =
      matches(entries) || (entries.length > 1 && matches(entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))));
    if (!ok) throw signatureMismatch();
    this.trailerSignatureVerified = true;
  }

  private endTrailers(): void {
    if (this.signed && !this.trailerSignatureVerified) {
      throw invalidRequest('Malformed aws-chunked body: missing x-amz-trailer-signature');
    }
    for (const name of this.declaredTrailers) {
      if (!this.trailerMap.has(name)) {
        throw invalidRequest(`The trailer '${name}' declared in x-amz-trailer was not sent`);
      }
    }
    this.state = DONE;
  }
}

/** Create a decoder; throws a {@link SigV4Error} for an unsupported mode or bad options. */
export function createAwsChunkedDecoder(opts: AwsChunkedDecoderOptions): AwsChunkedDecoder {
  return new AwsChunkedDecoder(opts);
}

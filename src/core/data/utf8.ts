/**
 * Noticing text that is not UTF-8 (a Latin-1 'é' is the byte 0xE9): decoders put U+FFFD in its place
 * silently, so the bytes themselves are checked, chunk by chunk, as they stream past. Valid chunks
 * cost one native check; only a chunk with bad bytes is looked at line by line.
 */
import * as buffer from 'buffer';
import { Transform } from 'stream';
import { StringDecoder } from 'string_decoder';
import { SynthadInputError } from '../errors';

const NEWLINE = 0x0a;
const fatalDecoder = new TextDecoder('utf-8', { fatal: true });

/** buffer.isUtf8 (Node 18.14+), else a fatal TextDecoder. */
const isUtf8: (bytes: Uint8Array) => boolean =
  typeof (buffer as { isUtf8?: unknown }).isUtf8 === 'function'
    ? (bytes) => (buffer as unknown as { isUtf8(b: Uint8Array): boolean }).isUtf8(bytes)
    : (bytes) => {
        try {
          fatalDecoder.decode(bytes);
          return true;
        } catch {
          return false;
        }
      };

/** How many leading bytes of `bytes` end on a character boundary (a character cut at the end is left out). */
function completeLength(bytes: Uint8Array): number {
  const end = bytes.length;
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const byte = bytes[i];
    if (byte < 0x80) return end;
    if (byte < 0xc0) continue; // continuation byte: look further back for the lead byte
    const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return end - i < size ? i : end;
  }
  return end;
}

/** Counts the lines with bytes that are not UTF-8, across the chunks of one file. */
export class Utf8Check {
  private line: number;
  private carry: Buffer = Buffer.alloc(0);
  private badLines = 0;
  private firstBadLine = 0;
  private lastBadLine = 0;

  /** `firstLine`: the line the first chunk starts on. */
  constructor(firstLine = 1) {
    this.line = firstLine;
  }

  /** Checks the next chunk of raw bytes. */
  write(chunk: Uint8Array): void {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const cut = completeLength(bytes);
    this.carry = Buffer.from(bytes.subarray(cut)); // a copy: at most 3 bytes
    const body = bytes.subarray(0, cut);
    if (isUtf8(body)) {
      this.line += countNewlines(body);
      return;
    }
    for (let start = 0; ; ) {
      const newline = body.indexOf(NEWLINE, start);
      const end = newline < 0 ? body.length : newline;
      if (!isUtf8(body.subarray(start, end))) this.markBad();
      if (newline < 0) break;
      this.line++;
      start = newline + 1;
    }
  }

  /** The end of the file: a character cut short there is bad too. */
  end(): void {
    if (this.carry.length > 0) this.markBad();
    this.carry = Buffer.alloc(0);
  }

  /** How many lines had bytes that are not UTF-8. */
  get count(): number {
    return this.badLines;
  }

  /** The warning for `file`, or undefined when every byte was UTF-8. */
  warning(file: string): string | undefined {
    if (this.badLines === 0) return undefined;
    const lines = this.badLines === 1 ? '1 line has' : `${this.badLines} lines have`;
    return (
      `${file}, line ${this.firstBadLine}: not valid UTF-8 (${lines} bytes that are not UTF-8, e.g. Latin-1 'é'); ` +
      'they were read with \uFFFD in their place: save the file as UTF-8'
    );
  }

  private markBad(): void {
    if (this.line === this.lastBadLine) return; // the rest of a line cut between chunks
    if (this.badLines++ === 0) this.firstBadLine = this.line;
    this.lastBadLine = this.line;
  }
}

function countNewlines(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

/** Text files saved as UTF-16 start with a byte order mark; they are refused rather than read as junk. */
export function checkNotUtf16(file: string, head: Uint8Array): void {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    throw new SynthadInputError('UTF-16 text (it starts with a UTF-16 byte order mark); save the file as UTF-8', { file });
  }
}

/** Raw bytes in, text out (characters cut between chunks kept whole); `utf8` sees every byte. */
export function checkedText(utf8: Utf8Check): Transform {
  const decoder = new StringDecoder('utf8');
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding, done) {
      utf8.write(chunk);
      const text = decoder.write(chunk);
      done(null, text === '' ? undefined : text);
    },
    flush(done) {
      utf8.end();
      const text = decoder.end();
      done(null, text === '' ? undefined : text);
    },
  });
}

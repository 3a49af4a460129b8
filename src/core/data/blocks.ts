/**
 * Cutting a delimited or JSON Lines file into blocks of whole records, as raw bytes, so each block can be
 * decoded and parsed on its own (by another thread) and its rows still know their line numbers.
 *
 * A record ends at a line break outside quotes. CSV quoting follows papaparse's reading: a quote opens a
 * quoted field only as a field's first character; inside, `""` is a quote and a lone `"` closes the field;
 * a quote anywhere else is an ordinary character. Lines are counted as the loaders count them (core/data/csv.ts
 * LineTracker): one per record plus the `\n`s inside its quoted fields.
 */
import { SynthadInputError } from '../errors';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** A run of whole records: its bytes (in a buffer of its own, to transfer), the line it starts on, how many records. */
export interface RawBlock {
  readonly bytes: Uint8Array;
  readonly firstLine: number;
  readonly records: number;
}

export interface CutterOptions {
  /** CSV/TSV: quotes matter (their delimiter); JSON Lines: undefined. */
  readonly delimiter?: string;
  /** The line break papaparse reads the file with ('\n', '\r\n' or '\r'); default '\n'. */
  readonly newline?: string;
  /** Records per block. */
  readonly records: number;
  /** A block is cut at the last whole record once it holds this many bytes, whatever its record count. */
  readonly maxBytes: number;
  /** A record longer than this is refused (an unterminated quote would otherwise swallow the file). */
  readonly maxRecordBytes: number;
}

/** Cuts appended bytes into blocks of whole records. */
export class RecordCutter {
  private pending: Buffer = Buffer.alloc(0);
  private readonly quoteAware: boolean;
  private readonly delimiter: number;
  private readonly terminator: number;
  // Scan state over `pending`, which always starts at a record's start.
  private pos = 0;
  private inQuotes = false;
  private scanned = 0;
  /** `\n`s inside quoted fields seen so far in pending. */
  private quotedLines = 0;
  /** Just past the last record end found in pending (0: none). */
  private lastEnd = 0;
  private lastEndRecords = 0;
  private lastEndQuotedLines = 0;
  /** The next quote at or after `pos` in pending; -1: none there; -2: not looked for since bytes came. */
  private nextQuote = -2;
  private line: number;
  private perBlock: number;

  constructor(private readonly file: string, private readonly options: CutterOptions, firstLine = 1) {
    this.quoteAware = options.delimiter !== undefined;
    if (options.delimiter !== undefined && Buffer.byteLength(options.delimiter) !== 1) {
      throw new Error(`RecordCutter: the delimiter must be one byte, got '${options.delimiter}'`);
    }
    this.delimiter = this.quoteAware ? Buffer.from(options.delimiter!)[0] : -1;
    this.terminator = options.newline === '\r' ? CR : LF;
    this.line = firstLine;
    this.perBlock = Math.max(1, Math.floor(options.records));
  }

  /** The line the next block starts on. */
  get nextLine(): number {
    return this.line;
  }

  /** Records per block from now on (the header is cut as a block of one). */
  setRecords(records: number): void {
    this.perBlock = Math.max(1, Math.floor(records));
  }

  /** Appends the file's next bytes. */
  append(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.pending = this.pending.length === 0 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.concat([this.pending, bytes]);
    if (this.nextQuote === -1) this.nextQuote = -2;
  }

  /** The next block (`records` records, or fewer once it holds `maxBytes`); undefined until more bytes come. */
  take(): RawBlock | undefined {
    if (this.scan() || (this.pending.length >= this.options.maxBytes && this.lastEnd > 0)) {
      return this.cut(this.lastEnd, this.lastEndRecords, this.lastEndQuotedLines);
    }
    if (this.pending.length - this.lastEnd > this.options.maxRecordBytes) {
      const line = this.line + this.lastEndRecords + this.lastEndQuotedLines;
      const mb = this.options.maxRecordBytes / 1024 / 1024;
      const message = this.inQuotes ? `unterminated quoted field (no closing quote within ${mb} MB)` : `a record longer than ${mb} MB`;
      throw new SynthadInputError(message, { file: this.file, line });
    }
    return undefined;
  }

  /** At the end of the file: what is left, as a last block (undefined when nothing is); call take() until undefined first. */
  finish(): RawBlock | undefined {
    this.scan();
    if (this.pending.length === 0) return undefined;
    // A last record without a line break counts as one (an unterminated quote is papaparse's to report).
    const unterminated = this.pending.length > this.lastEnd ? 1 : 0;
    this.pos = this.pending.length; // a quote as the file's last byte was left for the next read to decide
    return this.cut(this.pending.length, this.lastEndRecords + unterminated, this.quotedLines);
  }

  /** Takes the first `end` bytes of pending as a block; pending then starts at the next record. */
  private cut(end: number, records: number, quotedLines: number): RawBlock {
    const bytes = new Uint8Array(end); // a buffer of its own (Buffer's pool cannot be transferred)
    bytes.set(this.pending.subarray(0, end));
    const block: RawBlock = { bytes, firstLine: this.line, records };
    this.line += records + quotedLines;
    this.pending = this.pending.subarray(end);
    this.pos -= end;
    this.scanned -= records;
    this.quotedLines -= quotedLines;
    this.lastEnd = 0;
    this.lastEndRecords = 0;
    this.lastEndQuotedLines = 0;
    this.nextQuote = this.nextQuote >= 0 ? this.nextQuote - end : this.nextQuote;
    if (this.pos < 0) throw new Error('RecordCutter: cut past the scan position');
    return block;
  }

  /** Scans pending from `pos`; true as soon as `records` records end in it. */
  private scan(): boolean {
    const buf = this.pending;
    const end = buf.length;
    const wanted = this.perBlock;
    while (this.pos < end) {
      if (this.inQuotes) {
        const q = buf.indexOf(QUOTE, this.pos);
        if (q < 0) {
          this.quotedLines += countByte(buf, LF, this.pos, end);
          this.pos = end;
          return false;
        }
        if (q === end - 1) {
          // Is it `""` (a quote) or the closing quote? The next byte decides: wait for it.
          this.quotedLines += countByte(buf, LF, this.pos, q);
          this.pos = q;
          return false;
        }
        this.quotedLines += countByte(buf, LF, this.pos, q);
        if (buf[q + 1] === QUOTE) {
          this.pos = q + 2;
        } else {
          this.pos = q + 1;
          this.inQuotes = false;
        }
        this.nextQuote = -2;
        continue;
      }
      const t = buf.indexOf(this.terminator, this.pos);
      if (this.quoteAware) {
        if (this.nextQuote === -2 || (this.nextQuote >= 0 && this.nextQuote < this.pos)) this.nextQuote = buf.indexOf(QUOTE, this.pos);
        const q = this.nextQuote;
        if (q >= 0 && (t < 0 || q < t)) {
          const before = q === 0 ? LF : buf[q - 1];
          if (before === this.delimiter || before === LF || before === CR) this.inQuotes = true;
          this.pos = q + 1;
          this.nextQuote = -2;
          continue;
        }
      }
      if (t < 0) {
        this.pos = end;
        return false;
      }
      this.pos = t + 1;
      this.scanned++;
      this.lastEnd = this.pos;
      this.lastEndRecords = this.scanned;
      this.lastEndQuotedLines = this.quotedLines;
      if (this.scanned >= wanted) return true;
    }
    return false;
  }
}

function countByte(buf: Buffer, byte: number, from: number, to: number): number {
  let count = 0;
  for (let at = buf.indexOf(byte, from); at !== -1 && at < to; at = buf.indexOf(byte, at + 1)) count++;
  return count;
}

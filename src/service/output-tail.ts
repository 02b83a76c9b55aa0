// The last lines a server printed, without colour codes, other control characters escaped and
// secrets masked, for errors.
// Bounded in lines and in bytes, per line and in total, whatever the server prints: a gateway
// keeps this buffer for as long as its server runs.
import { printableLines } from "../cli/printable.ts";
import { StringDecoder } from "node:string_decoder";
import { maskSecrets } from "../secrets.ts";

export const MAX_LINES = 40;
/** Longest line kept; the rest of a longer line is replaced by a note of how much was cut. */
export const MAX_LINE_BYTES = 1024;
/** Longest text() result. */
export const MAX_TAIL_BYTES = 8 * 1024;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export class OutputTail {
  private lines: string[] = [];
  /** The unfinished last line: its head only, masked once complete. */
  private partial = "";
  private partialCut = 0;
  private readonly decoder = new StringDecoder("utf8");
  private readonly secrets: string[];
  private readonly listeners = new Set<(line: string) => void>();
  /** Kept past MAX_LINE_BYTES so a secret across the cut is still whole when it is masked. */
  private readonly headBytes: number;

  constructor(secrets: Iterable<string> = []) {
    this.secrets = [...secrets].filter(Boolean);
    this.headBytes = MAX_LINE_BYTES + Math.max(256, ...this.secrets.map((secret) => Buffer.byteLength(secret)));
  }

  push(chunk: Buffer | string): void {
    const parts = (typeof chunk === "string" ? chunk : this.decoder.write(chunk)).split(/\r?\n/);
    const last = parts.pop()!;
    for (const part of parts) {
      this.append(part);
      this.add(this.partial, this.partialCut);
      this.partial = "";
      this.partialCut = 0;
    }
    this.append(last);
  }

  private append(text: string): void {
    const room = this.headBytes - Buffer.byteLength(this.partial);
    if (Buffer.byteLength(text) <= room) {
      this.partial += text;
      return;
    }
    const kept = truncateBytes(text, Math.max(0, room));
    this.partial += kept;
    this.partialCut += Buffer.byteLength(text) - Buffer.byteLength(kept);
  }

  private add(line: string, cut: number): void {
    const clean = this.clean(line, cut);
    if (!clean) return;
    this.lines.push(clean);
    if (this.lines.length > MAX_LINES) this.lines.shift();
    for (const listener of this.listeners) {
      try {
        listener(clean);
      } catch {
        // a listener's failure must not stop the output being read
      }
    }
  }

  /** Calls `listener` with every complete line from now on (cleaned as in text()); returns the unsubscribe. */
  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Colour codes off, other control characters escaped, secrets masked, then cut to MAX_LINE_BYTES. */
  private clean(line: string, cut: number): string {
    const masked = maskSecrets(printableLines(line.replace(ANSI, "").trimEnd()), this.secrets);
    const bytes = Buffer.byteLength(masked);
    if (bytes <= MAX_LINE_BYTES && cut === 0) return masked;
    const head = truncateBytes(masked, MAX_LINE_BYTES);
    return `${head} … (${bytes - Buffer.byteLength(head) + cut} more bytes)`;
  }

  /** The newest lines (plus an unfinished last line), newest last, at most MAX_TAIL_BYTES. */
  text(maxLines = 12): string {
    const partial = this.partial || this.partialCut ? this.clean(this.partial, this.partialCut) : "";
    const all = partial ? [...this.lines, partial] : this.lines;
    const shown: string[] = [];
    let bytes = 0;
    for (const line of all.slice(-maxLines).reverse()) {
      bytes += Buffer.byteLength(line) + 1;
      if (bytes > MAX_TAIL_BYTES) break;
      shown.unshift(line);
    }
    return shown.join("\n");
  }

  find(pattern: RegExp): RegExpExecArray | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const match = pattern.exec(this.lines[i]!);
      if (match) return match;
    }
    return undefined;
  }
}

/** The longest prefix of `text` of at most `max` UTF-8 bytes, never splitting a character. */
function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  return Buffer.from(text).subarray(0, max).toString("utf8").replace(/\uFFFD$/, "");
}

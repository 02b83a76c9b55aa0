// The few GGUF header facts discovery needs from a model blob in llmman's store while the daemon is
// down: `general.architecture`, `<arch>.context_length` (the trained context) and whether
// `<arch>.pooling_type` is set (an embedding model). llama.cpp writes the architecture's keys
// before the tokenizer's (whose vocabulary is megabytes), so reading stops at the first
// `tokenizer.` key, at the end of the metadata, or after MAX_HEADER_BYTES. A blob is hostile:
// every length is bounded and any malformed byte ends the reading with what was found.
import { closeSync, openSync, readSync } from "node:fs";

export type GgufFacts = { architecture?: string; contextLength?: number; embedding: boolean };

const MAX_HEADER_BYTES = 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const MAX_KEY_BYTES = 1024;
/** Fixed sizes of the scalar value types (GGUF v2/v3 type ids). */
const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

class Truncated extends Error {}

/** What the header says; `{ embedding: false }` when the file is missing or not GGUF. */
export function readGgufFacts(path: string): GgufFacts {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return { embedding: false };
  }
  try {
    return parse(new Reader(fd));
  } finally {
    closeSync(fd);
  }
}

function parse(reader: Reader): GgufFacts {
  const found: Record<string, number | string> = {};
  try {
    if (reader.bytes(4).toString("latin1") !== "GGUF" || reader.u32() < 2) return { embedding: false };
    reader.u64(); // tensor count
    const count = reader.u64();
    for (let i = 0; i < count; i++) {
      const key = reader.string(MAX_KEY_BYTES);
      if (key.startsWith("tokenizer.")) break;
      const type = reader.u32();
      const arch = found["general.architecture"];
      const wanted = key === "general.architecture" || (typeof arch === "string" && (key === `${arch}.context_length` || key === `${arch}.pooling_type`));
      if (wanted && type === STRING) found[key] = reader.string(MAX_KEY_BYTES);
      else if (wanted && SCALAR_BYTES[type] !== undefined) found[key] = reader.integer(type);
      else reader.skipValue(type);
    }
  } catch (error) {
    if (!(error instanceof Truncated)) throw error;
  }
  const arch = typeof found["general.architecture"] === "string" ? found["general.architecture"] : undefined;
  const context = arch === undefined ? undefined : found[`${arch}.context_length`];
  return {
    architecture: arch,
    contextLength: typeof context === "number" && Number.isSafeInteger(context) && context > 0 ? context : undefined,
    embedding: arch !== undefined && found[`${arch}.pooling_type`] !== undefined,
  };
}

/** Sequential reads of a file descriptor, chunk by chunk, never past MAX_HEADER_BYTES. */
class Reader {
  private buffer = Buffer.alloc(0);
  private start = 0; // file offset of buffer[0]
  private at = 0; // file offset of the next byte
  private readonly fd: number;
  constructor(fd: number) {
    this.fd = fd;
  }

  bytes(n: number): Buffer {
    this.ensure(n);
    const out = this.buffer.subarray(this.at - this.start, this.at - this.start + n);
    this.at += n;
    return out;
  }

  u32(): number {
    return this.bytes(4).readUInt32LE(0);
  }

  u64(): number {
    const value = this.bytes(8).readBigUInt64LE(0);
    if (value > BigInt(MAX_HEADER_BYTES)) throw new Truncated();
    return Number(value);
  }

  string(maxBytes: number): string {
    const length = this.u64();
    if (length > maxBytes) throw new Truncated();
    return this.bytes(length).toString("utf8");
  }

  integer(type: number): number {
    const bytes = this.bytes(SCALAR_BYTES[type]!);
    switch (type) {
      case 0: return bytes.readUInt8(0);
      case 1: return bytes.readInt8(0);
      case 2: return bytes.readUInt16LE(0);
      case 3: return bytes.readInt16LE(0);
      case 4: return bytes.readUInt32LE(0);
      case 5: return bytes.readInt32LE(0);
      case 10: return Number(bytes.readBigUInt64LE(0));
      case 11: return Number(bytes.readBigInt64LE(0));
      default: return Number.NaN; // floats and booleans are no token counts
    }
  }

  skipValue(type: number): void {
    if (type === STRING) return void this.skip(this.u64());
    if (type === ARRAY) {
      const inner = this.u32();
      const count = this.u64();
      if (inner === STRING) for (let i = 0; i < count; i++) this.skip(this.u64());
      else if (SCALAR_BYTES[inner] !== undefined) this.skip(count * SCALAR_BYTES[inner]!);
      else throw new Truncated(); // nested arrays: not in a model's architecture keys
      return;
    }
    const size = SCALAR_BYTES[type];
    if (size === undefined) throw new Truncated();
    this.skip(size);
  }

  private skip(n: number): void {
    if (this.at + n > MAX_HEADER_BYTES) throw new Truncated();
    this.at += n;
  }

  private ensure(n: number): void {
    const end = this.at + n;
    if (end > MAX_HEADER_BYTES) throw new Truncated();
    if (this.at >= this.start && end <= this.start + this.buffer.length) return;
    const length = Math.min(Math.max(n, CHUNK_BYTES), MAX_HEADER_BYTES - this.at);
    const chunk = Buffer.alloc(length);
    const read = readSync(this.fd, chunk, 0, length, this.at);
    if (read < n) throw new Truncated();
    this.buffer = chunk.subarray(0, read);
    this.start = this.at;
  }
}

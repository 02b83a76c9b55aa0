// GGUF v3 headers (metadata key/values, no tensors): the emulator's model blobs are real GGUF
// headers, so the daemon and llama-server stand-in read `<arch>.context_length` & co. like the real ones.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

export type GgufValue = string | number | boolean | GgufValue[];
export type GgufMetadata = Record<string, GgufValue>;

const T = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, f64: 12 } as const;

function typeOf(v: GgufValue): number {
  if (typeof v === "string") return T.string;
  if (typeof v === "boolean") return T.bool;
  if (Array.isArray(v)) return T.array;
  if (!Number.isInteger(v)) return T.f32;
  return v >= 0 && v <= 0xffffffff ? T.u32 : T.i32;
}

/** Encodes a header: magic, version 3, 0 tensors, the key/values in insertion order. */
export function encodeGguf(meta: GgufMetadata): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); parts.push(b); };
  const u64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); parts.push(b); };
  const str = (s: string) => { const b = Buffer.from(s, "utf8"); u64(b.length); parts.push(b); };
  const value = (type: number, v: GgufValue) => {
    if (type === T.string) str(v as string);
    else if (type === T.bool) parts.push(Buffer.from([v ? 1 : 0]));
    else if (type === T.u32) u32(v as number);
    else if (type === T.i32) { const b = Buffer.alloc(4); b.writeInt32LE(v as number); parts.push(b); }
    else if (type === T.f32) { const b = Buffer.alloc(4); b.writeFloatLE(v as number); parts.push(b); }
    else {
      const items = v as GgufValue[];
      const inner = items.length ? typeOf(items[0]) : T.i32;
      u32(inner);
      u64(items.length);
      for (const item of items) value(inner, item);
    }
  };
  parts.push(Buffer.from("GGUF", "latin1"));
  u32(3);
  u64(0);
  u64(Object.keys(meta).length);
  for (const [key, v] of Object.entries(meta)) {
    str(key);
    u32(typeOf(v));
    value(typeOf(v), v);
  }
  return Buffer.concat(parts);
}

/** Reads the metadata of a GGUF file (throws on a file that is not GGUF). */
export function readGguf(path: string): GgufMetadata {
  const fd = openSync(path, "r");
  try {
    // The emulator's blobs hold only the header: no need to zero a whole MiB per read.
    const head = Buffer.allocUnsafe(Math.min(fstatSync(fd).size, 1 << 20));
    const n = readSync(fd, head, 0, head.length, 0);
    return decodeGguf(head.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

export function decodeGguf(buf: Buffer): GgufMetadata {
  if (buf.toString("latin1", 0, 4) !== "GGUF") throw new Error("not a GGUF file (bad magic)");
  let at = 4;
  const u32 = () => { const v = buf.readUInt32LE(at); at += 4; return v; };
  const u64 = () => { const v = Number(buf.readBigUInt64LE(at)); at += 8; return v; };
  const str = () => { const len = u64(); const s = buf.toString("utf8", at, at + len); at += len; return s; };
  const value = (type: number): GgufValue => {
    switch (type) {
      case 0: return buf.readUInt8(at++);
      case 1: return buf.readInt8(at++);
      case 2: { const v = buf.readUInt16LE(at); at += 2; return v; }
      case 3: { const v = buf.readInt16LE(at); at += 2; return v; }
      case T.u32: return u32();
      case T.i32: { const v = buf.readInt32LE(at); at += 4; return v; }
      case T.f32: { const v = buf.readFloatLE(at); at += 4; return v; }
      case T.bool: return buf.readUInt8(at++) !== 0;
      case T.string: return str();
      case T.array: { const inner = u32(); const count = u64(); return Array.from({ length: count }, () => value(inner)); }
      case T.u64: return u64();
      case 11: { const v = Number(buf.readBigInt64LE(at)); at += 8; return v; }
      case T.f64: { const v = buf.readDoubleLE(at); at += 8; return v; }
      default: throw new Error(`unknown GGUF value type ${type}`);
    }
  };
  const version = u32();
  if (version < 2) throw new Error(`unsupported GGUF version ${version}`);
  u64(); // tensor count
  const count = u64();
  const meta: GgufMetadata = {};
  for (let i = 0; i < count; i++) {
    const key = str();
    meta[key] = value(u32());
  }
  return meta;
}

// How axum 0.7's `Json<T>` extractor rejects a body. axum runs serde_json (through
// serde_path_to_error) straight into the Rust request struct, so the error names the first problem
// met while reading, with a `path` and serde_json's line/column. This module re-implements that
// reading, driven by a small description of the Rust types (see schemas.ts), so the emulator gives
// the same status and text: 400 "Failed to parse the request body as JSON: ..." for syntax errors,
// 422 "Failed to deserialize the JSON body into the target type: ..." for type errors.
//
// Positions follow serde_json: `error()` is at the bytes consumed so far on the line, `peekError()`
// one byte further; a type error raised by a visitor gets the position at which the innermost
// serde_json `deserialize_*` call returns (`fix_position`). Bytes after the value are ignored.

/** A description of a Rust type, as far as deserialization goes. */
export type Schema =
  | { t: "string" }
  | { t: "bool" }
  | { t: "f64" }
  | { t: "uint"; name: "u8" | "u32" | "u64" | "usize" }
  | { t: "i64" }
  | { t: "null" } // a unit variant of an untagged enum
  | { t: "option"; of: Schema }
  | { t: "vec"; of: Schema }
  | { t: "map"; of: Schema } // HashMap<String, T>
  | { t: "struct"; name: string; fields: Record<string, Field> }
  | { t: "enum"; variants: string[] } // unit variants, externally tagged
  | { t: "value" } // serde_json::Value
  | { t: "untagged"; name: string; variants: Schema[] }
  // inferrs' MessageContent: a custom visitor over deserialize_any
  | { t: "content"; expecting: string; allowNull: boolean; part: Schema };

/** `required`: neither an Option nor `#[serde(default)]`. */
export interface Field {
  s: Schema;
  required?: boolean;
}

type Kind = "syntax" | "eof" | "data";

export class SerdeError extends Error {
  readonly msg: string;
  readonly kind: Kind;
  line: number;
  column: number;
  readonly path: string;

  constructor(msg: string, kind: Kind, line: number, column: number, path: string) {
    super(msg);
    this.msg = msg;
    this.kind = kind;
    this.line = line;
    this.column = column;
    this.path = path;
  }

  /** serde_path_to_error's Display, then serde_json's " at line L column C" when positioned. */
  describe(): string {
    const at = this.line === 0 ? "" : ` at line ${this.line} column ${this.column}`;
    return `${this.path ? `${this.path}: ` : ""}${this.msg}${at}`;
  }
}

export type Rejection = { status: 400 | 422; text: string };

export function rejectionOf(e: SerdeError): Rejection {
  return e.kind === "data"
    ? { status: 422, text: `Failed to deserialize the JSON body into the target type: ${e.describe()}` }
    : { status: 400, text: `Failed to parse the request body as JSON: ${e.describe()}` };
}

/** Deserializes `body` into `schema`; throws SerdeError like axum's Json extractor would reject. */
export function deserialize(body: Uint8Array, schema: Schema): unknown {
  return new Reader(body).read(schema);
}

const EOF = -1;
const c = (s: string): number => s.charCodeAt(0);
const DIGIT0 = c("0");
const DIGIT9 = c("9");
const isDigit = (b: number): boolean => b >= DIGIT0 && b <= DIGIT9;

const EOF_CODES = new Set(["EOF while parsing a value", "EOF while parsing an object", "EOF while parsing a list", "EOF while parsing a string"]);

type Num = { kind: "u" | "i" | "f"; value: number; text: string };

class Reader {
  private i = 0;
  private depth = 0;
  private readonly path: string[] = [];
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });

  private readonly buf: Uint8Array;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  // ── positions and errors ────────────────────────────────────────────────

  private position(index: number): { line: number; column: number } {
    let line = 1;
    let start = 0;
    for (let k = 0; k < index; k++) {
      if (this.buf[k] === 0x0a) {
        line++;
        start = k + 1;
      }
    }
    return { line, column: index - start };
  }

  private pathString(): string {
    return this.path.map((seg, k) => (seg.startsWith("[") || k === 0 ? seg : `.${seg}`)).join("");
  }

  private at(code: string, index: number): SerdeError {
    const { line, column } = this.position(index);
    return new SerdeError(code, EOF_CODES.has(code) ? "eof" : "syntax", line, column, this.pathString());
  }

  /** serde_json `error`: at the bytes consumed so far. */
  private error(code: string): SerdeError {
    return this.at(code, this.i);
  }

  /** serde_json `peek_error`: at the byte being looked at. */
  private peekError(code: string): SerdeError {
    return this.at(code, Math.min(this.buf.length, this.i + 1));
  }

  /** A type error from a visitor: no position until fixed. */
  private data(msg: string): SerdeError {
    return new SerdeError(msg, "data", 0, 0, this.pathString());
  }

  private fix(e: unknown): unknown {
    if (e instanceof SerdeError && e.line === 0) {
      const { line, column } = this.position(this.i);
      e.line = line;
      e.column = column;
    }
    return e;
  }

  // ── bytes ───────────────────────────────────────────────────────────────

  /** Skips whitespace and returns the next byte without consuming it (EOF = -1). */
  private ws(): number {
    while (this.i < this.buf.length) {
      const b = this.buf[this.i];
      if (b !== 0x20 && b !== 0x0a && b !== 0x09 && b !== 0x0d) return b;
      this.i++;
    }
    return EOF;
  }

  private peek(): number {
    return this.i < this.buf.length ? this.buf[this.i] : EOF;
  }

  private next(): number {
    return this.i < this.buf.length ? this.buf[this.i++] : EOF;
  }

  private ident(rest: string): void {
    for (const ch of rest) {
      const b = this.next();
      if (b === EOF) throw this.error("EOF while parsing a value");
      if (b !== c(ch)) throw this.error("expected ident");
    }
  }

  /** Reads a string body; the opening quote is already consumed. */
  private str(): string {
    const parts: number[] = [];
    for (;;) {
      if (this.i >= this.buf.length) throw this.error("EOF while parsing a string");
      const b = this.buf[this.i++];
      if (b === c('"')) break;
      if (b < 0x20) throw this.error("control character (\\u0000-\\u001F) found while parsing a string");
      if (b !== c("\\")) {
        parts.push(b);
        continue;
      }
      const e = this.next();
      if (e === EOF) throw this.error("EOF while parsing a string");
      const simple: Record<string, number> = { '"': 0x22, "\\": 0x5c, "/": 0x2f, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09 };
      const ch = String.fromCharCode(e);
      if (ch in simple) parts.push(simple[ch]);
      else if (ch === "u") {
        let code = 0;
        for (let k = 0; k < 4; k++) {
          const h = this.next();
          if (h === EOF) throw this.error("EOF while parsing a string");
          const v = parseInt(String.fromCharCode(h), 16);
          if (Number.isNaN(v)) throw this.error("invalid escape");
          code = code * 16 + v;
        }
        // Lone surrogates are passed through leniently (serde_json is stricter).
        parts.push(...new TextEncoder().encode(String.fromCharCode(code)));
      } else throw this.error("invalid escape");
    }
    try {
      return this.decoder.decode(new Uint8Array(parts));
    } catch {
      throw this.error("invalid unicode code point");
    }
  }

  /** serde_json `parse_integer` and friends; the sign, if any, is already consumed. */
  private number(positive: boolean): Num {
    const start = positive ? this.i : this.i - 1;
    const first = this.next();
    if (first === EOF) throw this.error("EOF while parsing a value");
    if (first === DIGIT0) {
      if (isDigit(this.peek())) throw this.peekError("invalid number");
    } else if (isDigit(first)) {
      while (isDigit(this.peek())) this.i++;
    } else throw this.error("invalid number");
    let float = false;
    if (this.peek() === c(".")) {
      float = true;
      this.i++;
      if (!isDigit(this.peek())) throw this.peekError(this.peek() === EOF ? "EOF while parsing a value" : "invalid number");
      while (isDigit(this.peek())) this.i++;
    }
    if (this.peek() === c("e") || this.peek() === c("E")) {
      float = true;
      this.i++;
      if (this.peek() === c("+") || this.peek() === c("-")) this.i++;
      const d = this.next();
      if (d === EOF) throw this.error("EOF while parsing a value");
      if (!isDigit(d)) throw this.error("invalid number");
      while (isDigit(this.peek())) this.i++;
    }
    const text = new TextDecoder().decode(this.buf.subarray(start, this.i));
    const value = Number(text);
    if (!Number.isFinite(value)) throw this.error("number out of range");
    if (float) return { kind: "f", value, text };
    // Integers beyond u64/i64 become floats in serde_json.
    const big = BigInt(text);
    if (big === 0n && !positive) return { kind: "f", value, text }; // serde_json reads -0 as a float
    if (big >= 0n && big <= 0xffffffffffffffffn) return { kind: "u", value, text };
    if (big < 0n && big >= -(2n ** 63n)) return { kind: value === 0 ? "f" : "i", value, text };
    return { kind: "f", value, text };
  }

  // ── unexpected-type errors ──────────────────────────────────────────────

  private static describeNumber(n: Num): string {
    if (n.kind !== "f") return `integer \`${BigInt(n.text)}\``;
    // serde_json prints floats with ryu, which always shows a decimal point or an exponent.
    const s = Number.isInteger(n.value) && Math.abs(n.value) < 1e16 ? n.value.toFixed(1) : String(n.value).replace("e+", "e");
    return `floating point \`${s}\``;
  }

  /** serde_json `peek_invalid_type`: consumes scalars, not `[` / `{`, and returns the error. */
  private invalidType(expected: string): SerdeError {
    const b = this.ws();
    const type = (what: string): SerdeError => this.data(`invalid type: ${what}, expected ${expected}`);
    switch (b) {
      case c("n"): this.i++; this.ident("ull"); return type("null");
      case c("t"): this.i++; this.ident("rue"); return type("boolean `true`");
      case c("f"): this.i++; this.ident("alse"); return type("boolean `false`");
      case c("-"): this.i++; return type(Reader.describeNumber(this.number(false)));
      case c('"'): this.i++; return type(`string ${JSON.stringify(this.str())}`);
      case c("["): return type("sequence");
      case c("{"): return type("map");
      default:
        if (isDigit(b)) return type(Reader.describeNumber(this.number(true)));
        return this.peekError(b === EOF ? "EOF while parsing a value" : "expected value");
    }
  }

  // ── sequences and maps ──────────────────────────────────────────────────

  /** serde_json SeqAccess::next_element: true when an element follows. */
  private seqNext(first: boolean): boolean {
    let b = this.ws();
    if (b === c("]")) return false;
    if (b === c(",") && !first) {
      this.i++;
      b = this.ws();
    } else if (b === EOF) throw this.peekError("EOF while parsing a list");
    else if (!first) throw this.peekError("expected `,` or `]`");
    if (b === c("]")) throw this.peekError("trailing comma");
    if (b === EOF) throw this.peekError("EOF while parsing a value");
    return true;
  }

  /** serde_json MapAccess::next_key: returns the key, or undefined at `}`. */
  private mapNextKey(first: boolean): string | undefined {
    let b = this.ws();
    if (b === c("}")) return undefined;
    if (b === c(",") && !first) {
      this.i++;
      b = this.ws();
    } else if (b === EOF) throw this.peekError("EOF while parsing an object");
    else if (!first) throw this.peekError("expected `,` or `}`");
    if (b === c('"')) {
      this.i++;
      return this.str();
    }
    if (b === c("}")) throw this.peekError("trailing comma");
    if (b === EOF) throw this.peekError("EOF while parsing a value");
    throw this.peekError("key must be a string");
  }

  private colon(): void {
    const b = this.ws();
    if (b === c(":")) this.i++;
    else throw this.peekError(b === EOF ? "EOF while parsing an object" : "expected `:`");
  }

  /** What serde_json's end_seq/end_map consume when the visitor failed (their own error is dropped). */
  private endAfterError(close: string): void {
    const b = this.ws();
    if (b === c(close)) this.i++;
    else if (close === "]" && b === c(",")) {
      this.i++;
      this.ws();
    }
  }

  private enter(open: string): void {
    this.i++; // the `[` or `{`
    if (++this.depth > 128) throw this.error("recursion limit exceeded");
  }

  private container<T>(open: "[" | "{", body: () => T): T {
    this.enter(open);
    const close = open === "[" ? "]" : "}";
    try {
      const v = body();
      this.i++; // the closing bracket, seen by seqNext / mapNextKey
      return v;
    } catch (e) {
      this.endAfterError(close);
      throw this.fix(e);
    } finally {
      this.depth--;
    }
  }

  private withPath<T>(seg: string, f: () => T): T {
    this.path.push(seg);
    const v = f();
    this.path.pop(); // left in place on error: the error already captured it
    return v;
  }

  // ── values ──────────────────────────────────────────────────────────────

  /** serde_json deserialize_any into a Value. */
  private any(): unknown {
    const b = this.ws();
    switch (b) {
      case EOF: throw this.peekError("EOF while parsing a value");
      case c("n"): this.i++; this.ident("ull"); return null;
      case c("t"): this.i++; this.ident("rue"); return true;
      case c("f"): this.i++; this.ident("alse"); return false;
      case c("-"): this.i++; return this.number(false).value;
      case c('"'): this.i++; return this.str();
      case c("["):
        return this.container("[", () => {
          const out: unknown[] = [];
          for (let k = 0; this.seqNext(k === 0); k++) out.push(this.withPath(`[${k}]`, () => this.any()));
          return out;
        });
      case c("{"):
        return this.container("{", () => {
          const out: Record<string, unknown> = {};
          for (let key: string | undefined, first = true; (key = this.mapNextKey(first)) !== undefined; first = false) {
            this.colon();
            out[key] = this.withPath(key, () => this.any());
          }
          return out;
        });
      default:
        if (isDigit(b)) return this.number(true).value;
        throw this.peekError("expected value");
    }
  }

  /** A scalar read through serde_json's deserialize_str / _bool / _number pattern. */
  private scalar<T>(read: (b: number) => T | undefined, expected: string): T {
    const b = this.ws();
    if (b === EOF) throw this.peekError("EOF while parsing a value");
    try {
      const v = read(b);
      if (v !== undefined) return v;
      throw this.invalidType(expected);
    } catch (e) {
      throw this.fix(e);
    }
  }

  private uint(name: string, n: Num): number {
    if (n.kind === "f") throw this.data(`invalid type: ${Reader.describeNumber(n)}, expected ${name}`);
    const max = { u8: 255n, u32: 0xffffffffn, u64: 0xffffffffffffffffn, usize: 0xffffffffffffffffn }[name] ?? 0n;
    const big = BigInt(n.text);
    if (big < 0n || big > max) throw this.data(`invalid value: ${Reader.describeNumber(n)}, expected ${name}`);
    return n.value;
  }

  read(s: Schema): unknown {
    switch (s.t) {
      case "value":
        return this.any();
      case "string":
        return this.scalar((b) => (b === c('"') ? (this.i++, this.str()) : undefined), "a string");
      case "bool":
        return this.scalar((b) => {
          if (b === c("t")) return this.i++, this.ident("rue"), true;
          if (b === c("f")) return this.i++, this.ident("alse"), false;
          return undefined;
        }, "a boolean");
      case "f64":
      case "i64":
      case "uint": {
        const expected = s.t === "uint" ? s.name : s.t;
        return this.scalar((b) => {
          if (b !== c("-") && !isDigit(b)) return undefined;
          if (b === c("-")) this.i++;
          const n = this.number(b !== c("-"));
          if (s.t === "f64") return n.value;
          if (s.t === "uint") return this.uint(s.name, n);
          if (n.kind === "f") throw this.data(`invalid type: ${Reader.describeNumber(n)}, expected i64`);
          if (BigInt(n.text) > 2n ** 63n - 1n) throw this.data(`invalid value: ${Reader.describeNumber(n)}, expected i64`);
          return n.value;
        }, expected);
      }
      case "null": {
        const b = this.ws();
        if (b === c("n")) return this.i++, this.ident("ull"), null;
        throw this.fix(this.invalidType("unit"));
      }
      case "option": {
        if (this.ws() === c("n")) {
          this.i++;
          this.ident("ull");
          return undefined;
        }
        return this.read(s.of);
      }
      case "vec":
        if (this.ws() !== c("[")) return this.scalar(() => undefined, "a sequence");
        return this.container("[", () => {
          const out: unknown[] = [];
          for (let k = 0; this.seqNext(k === 0); k++) out.push(this.withPath(`[${k}]`, () => this.read(s.of)));
          return out;
        });
      case "map":
        if (this.ws() !== c("{")) return this.scalar(() => undefined, "a map");
        return this.container("{", () => {
          const out: Record<string, unknown> = {};
          for (let key: string | undefined, first = true; (key = this.mapNextKey(first)) !== undefined; first = false) {
            this.colon();
            out[key] = this.withPath(key, () => this.read(s.of));
          }
          return out;
        });
      case "struct":
        if (this.ws() !== c("{")) return this.scalar(() => undefined, `struct ${s.name}`);
        return this.container("{", () => this.structBody(s.fields));
      case "enum":
        return this.enumVariant(s.variants);
      case "untagged": {
        const v = this.any();
        if (s.variants.some((variant) => fits(v, variant))) return v;
        throw this.data(`data did not match any variant of untagged enum ${s.name}`);
      }
      case "content":
        return this.content(s);
    }
  }

  /** A derived struct's visit_map: unknown keys skipped, duplicates and missing fields rejected. */
  private structBody(fields: Record<string, Field>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let key: string | undefined, first = true; (key = this.mapNextKey(first)) !== undefined; first = false) {
      const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (field && Object.hasOwn(out, key)) throw this.data(`duplicate field \`${key}\``);
      this.colon();
      const v = this.withPath(key, () => (field ? this.read(field.s) : this.any()));
      if (field && v !== undefined) out[key] = v;
      else if (field) out[key] = undefined; // explicit null of an Option: present, so a duplicate still counts
    }
    for (const [name, f] of Object.entries(fields)) {
      if (f.required && out[name] === undefined) throw this.data(`missing field \`${name}\``);
    }
    return out;
  }

  private enumVariant(variants: string[]): string {
    const check = (name: string): string => {
      if (variants.includes(name)) return name;
      const list = variants.map((v) => `\`${v}\``);
      const expected = list.length === 1 ? `expected ${list[0]}` : list.length === 2 ? `expected ${list[0]} or ${list[1]}` : `expected one of ${list.join(", ")}`;
      throw this.fix(this.data(`unknown variant \`${name}\`, ${expected}`));
    };
    const b = this.ws();
    if (b === c('"')) {
      this.i++;
      return check(this.str());
    }
    if (b === c("{")) {
      // {"user": null} is also a unit variant to serde_json.
      this.enter("{");
      const key = this.ws() === c('"') ? (this.i++, this.str()) : undefined;
      if (key === undefined) throw this.fix(this.invalidType("variant identifier"));
      const name = check(key);
      this.colon();
      this.read({ t: "null" });
      const end = this.ws();
      if (end === c("}")) this.i++;
      else throw this.error(end === EOF ? "EOF while parsing an object" : "expected value");
      this.depth--;
      return name;
    }
    throw this.peekError(b === EOF ? "EOF while parsing a value" : "expected value");
  }

  /** inferrs' MessageContent visitor: string, array of parts, or (since 6b08b30) null. */
  private content(s: Extract<Schema, { t: "content" }>): { text: string; parts?: unknown[] } {
    const b = this.ws();
    if (b === c("[")) {
      const parts = this.container("[", () => {
        const out: unknown[] = [];
        for (let k = 0; this.seqNext(k === 0); k++) out.push(this.withPath(`[${k}]`, () => this.read(s.part)));
        return out;
      });
      const text = parts.map((p) => ((p as Record<string, unknown>).type === "text" ? ((p as Record<string, unknown>).text ?? "") : "")).join("");
      return { text: String(text), parts };
    }
    if (b === c("{")) {
      // deserialize_any calls visit_map, which this visitor does not implement.
      this.enter("{");
      this.depth--;
      this.endAfterError("}");
      throw this.fix(this.data(`invalid type: map, expected ${s.expecting}`));
    }
    if (b === c("n") && s.allowNull) {
      this.i++;
      this.ident("ull");
      return { text: "" };
    }
    if (b === c('"')) {
      this.i++;
      return { text: this.str() };
    }
    throw this.fix(this.invalidType(s.expecting));
  }
}

/** Does an already-parsed JSON value deserialize into `s`? (for untagged enums) */
export function fits(v: unknown, s: Schema): boolean {
  switch (s.t) {
    case "value": return true;
    case "null": return v === null;
    case "string": return typeof v === "string";
    case "bool": return typeof v === "boolean";
    case "f64": return typeof v === "number";
    case "i64": return Number.isInteger(v);
    case "uint": return Number.isInteger(v) && (v as number) >= 0 && (s.name !== "u8" || (v as number) <= 255);
    case "option": return v === null || fits(v, s.of);
    case "vec": return Array.isArray(v) && v.every((x) => fits(x, s.of));
    case "map": return isObject(v) && Object.values(v).every((x) => fits(x, s.of));
    case "struct":
      return isObject(v) && Object.entries(s.fields).every(([k, f]) => (v[k] === undefined ? !f.required : fits(v[k], f.s)));
    case "enum": return typeof v === "string" && s.variants.includes(v);
    case "untagged": return s.variants.some((x) => fits(v, x));
    case "content":
      return typeof v === "string" || (v === null && s.allowNull) || (Array.isArray(v) && v.every((x) => fits(x, s.part)));
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

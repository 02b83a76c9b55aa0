// inferrs/src/tool_call_parser.rs, ported: `<tool_call>{JSON}</tool_call>` blocks in the model's
// output become OpenAI tool_calls. Non-streaming: `extractToolCalls` on the whole text, arguments
// re-serialised by serde_json (compact, keys sorted). Streaming: `ToolCallStreamState` classifies
// token by token and streams the arguments' raw bytes, in the model's own spacing, as they come.

export const TOOL_CALL_OPEN = "<tool_call>";
export const TOOL_CALL_CLOSE = "</tool_call>";

/** serde_json's `Value::to_string` without `preserve_order`: compact, object keys sorted. */
export function serdeJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(serdeJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${serdeJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** `openai_arguments_wire_format`: a string value is passed through unquoted. */
function wireArguments(value: unknown): string {
  return typeof value === "string" ? value : serdeJson(value);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export interface ParsedToolCall {
  name: string;
  arguments: string;
}

/** `extract_tool_calls`: the text without the parsed blocks (trimmed), and the calls in order. */
export function extractToolCalls(output: string): { content: string; calls: ParsedToolCall[] } {
  let clean = "";
  const calls: ParsedToolCall[] = [];
  let cursor = 0;
  for (;;) {
    const open = output.indexOf(TOOL_CALL_OPEN, cursor);
    if (open === -1) break;
    const bodyStart = open + TOOL_CALL_OPEN.length;
    const close = output.indexOf(TOOL_CALL_CLOSE, bodyStart);
    if (close === -1) break;
    const end = close + TOOL_CALL_CLOSE.length;
    const parsed = parseJson(output.slice(bodyStart, close).trim());
    const value = parsed.ok ? (parsed.value as Record<string, unknown> | null) : undefined;
    const name = value && typeof value === "object" ? value.name : undefined;
    if (typeof name === "string") {
      clean += output.slice(cursor, open);
      calls.push({ name, arguments: value!.arguments === undefined ? "{}" : wireArguments(value!.arguments) });
    } else {
      clean += output.slice(cursor, end);
    }
    cursor = end;
  }
  clean += output.slice(cursor);
  return { content: clean.trim(), calls };
}

export type ToolCallEvent =
  | { kind: "content"; text: string }
  | { kind: "start"; index: number; id: string; name: string }
  | { kind: "args"; index: number; delta: string }
  | { kind: "end"; index: number };

const isWs = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f";

/** `skip_json_value`: the index just after the value at `start`, or undefined if not all there. */
function skipJsonValue(buf: string, start: number): number | undefined {
  let i = start;
  if (i >= buf.length) return undefined;
  const c = buf[i];
  if (c === '"') {
    for (i++; i < buf.length; i++) {
      if (buf[i] === "\\") i++;
      else if (buf[i] === '"') return i + 1;
    }
    return undefined;
  }
  if (c === "{" || c === "[") {
    let depth = 1;
    let inString = false;
    for (i++; i < buf.length; i++) {
      const b = buf[i];
      if (inString) {
        if (b === "\\") i++;
        else if (b === '"') inString = false;
      } else if (b === '"') inString = true;
      else if (b === "{" || b === "[") depth++;
      else if ((b === "}" || b === "]") && --depth === 0) return i + 1;
    }
    return undefined;
  }
  while (i < buf.length && buf[i] !== "," && buf[i] !== "}" && buf[i] !== "]" && !isWs(buf[i])) i++;
  return i;
}

/** `find_root_key_value_start`: where the value of a root-level `key` starts, once visible. */
function rootKeyValueStart(buf: string, key: string): number | undefined {
  let i = 0;
  while (isWs(buf[i])) i++;
  if (buf[i] !== "{") return undefined;
  i++;
  for (;;) {
    while (isWs(buf[i])) i++;
    if (i >= buf.length || buf[i] === "}") return undefined;
    if (buf[i] === ",") {
      i++;
      continue;
    }
    if (buf[i] !== '"') return undefined;
    const keyStart = i + 1;
    for (i = keyStart; i < buf.length && buf[i] !== '"'; i++) if (buf[i] === "\\") i++;
    if (i >= buf.length) return undefined;
    const keyEnd = i++;
    while (isWs(buf[i])) i++;
    if (buf[i] !== ":") return undefined;
    i++;
    while (isWs(buf[i])) i++;
    if (i >= buf.length) return undefined;
    if (buf.slice(keyStart, keyEnd) === key) return i;
    const next = skipJsonValue(buf, i);
    if (next === undefined) return undefined;
    i = next;
  }
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" };

/** `scan_for_name`: the root-level "name" string, once both quotes are visible. */
function scanForName(buf: string): string | undefined {
  const start = rootKeyValueStart(buf, "name");
  if (start === undefined || buf[start] !== '"') return undefined;
  let out = "";
  for (let i = start + 1; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === "\\") {
      const next = buf[++i];
      if (next === undefined) return undefined;
      out += ESCAPES[next] ?? next;
    } else if (c === '"') return out;
    else out += c;
  }
  return undefined;
}

/** `ToolCallStreamState`: push each token with whether it is the open/close sentinel. */
export class ToolCallStreamState {
  private inside = false;
  private buffer = "";
  private callIndex = 0;
  private nameEmitted = false;
  private argsStart: number | undefined;
  private argsEmitted = 0;
  private scanPos = 0;
  private depth = 0;
  private inString = false;
  private inEscape = false;
  private complete = false;
  private compound = false;

  private reset(): void {
    this.buffer = "";
    this.nameEmitted = false;
    this.argsStart = undefined;
    this.argsEmitted = 0;
    this.scanPos = 0;
    this.depth = 0;
    this.inString = false;
    this.inEscape = false;
    this.complete = false;
    this.compound = false;
  }

  push(text: string, sentinel?: "open" | "close"): ToolCallEvent[] {
    const events: ToolCallEvent[] = [];
    if (!this.inside) {
      if (sentinel === "open") {
        this.inside = true;
        this.reset();
      } else if (text) events.push({ kind: "content", text });
      return events;
    }
    if (sentinel === "close") {
      const parsed = parseJson(this.buffer.trim());
      const value = parsed.ok && parsed.value && typeof parsed.value === "object" ? (parsed.value as Record<string, unknown>) : undefined;
      if (value) {
        if (!this.nameEmitted && typeof value.name === "string") {
          events.push({ kind: "start", index: this.callIndex, id: `call_${this.callIndex}`, name: value.name });
          this.nameEmitted = true;
        }
        if (this.nameEmitted) {
          // The canonical arguments' bytes beyond what was streamed (usually none: the model's
          // spacing makes the raw form the longer one).
          // (Rust compares byte lengths.)
          const canonical = Buffer.from(value.arguments === undefined ? "{}" : wireArguments(value.arguments));
          const start = this.argsStart ?? 0;
          const emitted = Buffer.byteLength(this.buffer.slice(start, start + this.argsEmitted));
          if (canonical.length > emitted) events.push({ kind: "args", index: this.callIndex, delta: canonical.subarray(emitted).toString() });
        }
      }
      if (this.nameEmitted) events.push({ kind: "end", index: this.callIndex++ });
      this.inside = false;
      this.reset();
      return events;
    }
    this.buffer += text;
    if (!this.nameEmitted) {
      const name = scanForName(this.buffer);
      if (name !== undefined) {
        events.push({ kind: "start", index: this.callIndex, id: `call_${this.callIndex}`, name });
        this.nameEmitted = true;
      }
    }
    if (this.nameEmitted) {
      const delta = this.advanceArgs();
      if (delta !== undefined) events.push({ kind: "args", index: this.callIndex, delta });
    }
    return events;
  }

  /** `advance_args_streaming`: the raw bytes of a compound `arguments` value seen so far. */
  private advanceArgs(): string | undefined {
    if (this.argsStart === undefined) {
      const start = rootKeyValueStart(this.buffer, "arguments");
      if (start === undefined) return undefined;
      this.argsStart = start;
      this.scanPos = start;
      this.compound = this.buffer[start] === "{" || this.buffer[start] === "[";
    }
    if (!this.compound || this.complete) return undefined;
    const start = this.argsStart;
    const buf = this.buffer;
    let emitEnd = start + this.argsEmitted;
    while (this.scanPos < buf.length) {
      const b = buf[this.scanPos];
      if (this.inEscape) this.inEscape = false;
      else if (this.inString) {
        if (b === "\\") this.inEscape = true;
        else if (b === '"') this.inString = false;
      } else if (b === '"') this.inString = true;
      else if (b === "{" || b === "[") this.depth++;
      else if (b === "}" || b === "]") {
        if (this.depth > 0 && --this.depth === 0) {
          this.complete = true;
          emitEnd = ++this.scanPos;
          break;
        }
        if (this.depth <= 0) {
          this.complete = true;
          break;
        }
      }
      emitEnd = ++this.scanPos;
    }
    const already = start + this.argsEmitted;
    if (emitEnd <= already) return undefined;
    this.argsEmitted = emitEnd - start;
    return buf.slice(already, emitEnd);
  }

  /** `flush`: an unclosed call's buffer comes back as content. */
  flush(): ToolCallEvent[] {
    if (!this.inside || !this.buffer) return [];
    const text = this.buffer;
    this.inside = false;
    this.reset();
    return [{ kind: "content", text }];
  }
}

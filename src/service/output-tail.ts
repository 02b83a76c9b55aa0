// The last lines a server printed, without colour codes and with secrets masked, for errors.
const MAX_LINES = 40;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const TOKEN_PATTERNS = [/\bhf_[A-Za-z0-9]{8,}/g, /(bearer\s+)\S+/gi, /((?:token|api[_-]?key|secret|password)\s*[=:]\s*)\S+/gi];

export class OutputTail {
  private lines: string[] = [];
  private partial = "";
  private readonly secrets: string[];

  constructor(secrets: Iterable<string> = []) {
    this.secrets = [...secrets].filter((secret) => secret.length >= 4);
  }

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? "";
    for (const line of parts) this.add(line);
  }

  private add(line: string): void {
    const clean = line.replace(ANSI, "").trimEnd();
    if (!clean) return;
    this.lines.push(this.redact(clean));
    if (this.lines.length > MAX_LINES) this.lines.shift();
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join("<redacted>");
    for (const pattern of TOKEN_PATTERNS) {
      out = out.replace(pattern, (match, prefix?: string) =>
        typeof prefix === "string" && match.startsWith(prefix) ? `${prefix}<redacted>` : "<redacted>",
      );
    }
    return out;
  }

  /** Lines so far (plus an unfinished last line), newest last. */
  text(maxLines = 12): string {
    const all = this.partial ? [...this.lines, this.redact(this.partial.replace(ANSI, ""))] : this.lines;
    return all.slice(-maxLines).join("\n");
  }

  find(pattern: RegExp): RegExpExecArray | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const match = pattern.exec(this.lines[i]!);
      if (match) return match;
    }
    return undefined;
  }
}

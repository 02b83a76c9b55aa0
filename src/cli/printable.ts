// Text from outside (a server's model ids, error bodies and output, a record file, a user's
// argument) as it may reach a terminal: control characters that could retitle, clear or recolour
// it (ESC, BEL, CSI, …), bidi overrides and invisible format characters that could hide text or
// forge a line are shown as visible escapes (`\x1b`), never sent raw.

// eslint-disable-next-line no-control-regex
const UNSAFE_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

function escape(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One line of outside text: every control character escaped, newlines and tabs too. */
export function printable(text: string): string {
  return text.replace(UNSAFE_LINE, escape);
}

/** Outside text for a one-line message (an error body, an id): at most `max` characters, printable(). */
export function serverText(text: string, max = 300): string {
  return printable(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** Outside text that may span lines (a server's output): newlines and tabs kept, the rest escaped. */
export function printableLines(text: string): string {
  return text.replace(UNSAFE_LINES, escape);
}

/** Whether `text` holds anything printable() would escape. */
export function hasUnsafeText(text: string): boolean {
  return printable(text) !== text;
}

// JSON.stringify escapes C0 characters but leaves DEL, C1 and bidi overrides raw.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

/** `value` as JSON for a terminal: the same document, with every unsafe character \u-escaped. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

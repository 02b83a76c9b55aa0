// Text a server supplied (error bodies, ids, log lines) as it may appear in our messages: at most
// `max` characters, with control, bidi and other format characters escaped so it cannot redraw a
// terminal, hide text or forge a line of its own.

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

export function serverText(text: string, max = 300): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

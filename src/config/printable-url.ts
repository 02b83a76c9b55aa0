// A URL as it may appear in a message: user name, password, query and fragment can hold secrets
// (`?key=…`), so they are masked, also in a URL that is refused because it has them.
import { REDACTED } from "../secrets.ts";

export function printableUrl(value: string): string {
  return value
    .replace(/^([^/?#]*\/\/)?[^/?#]*@/, `$1${REDACTED}@`)
    .replace(/\?[^#]*/, `?${REDACTED}`)
    .replace(/#.*/s, `#${REDACTED}`);
}

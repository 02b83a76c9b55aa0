// Model ids come from the user, from GET /v1/models and from the selected model ref: all
// untrusted. inferrs treats a model argument that looks like a path as a local directory, and
// clap takes one that starts with "-" as a flag, so ids are checked here before anything uses them.
import { hasUnsafeText } from "../cli/printable.ts";
import { CONFIG_PATH } from "../config/config-error.ts";
import type { ResolvedConfig } from "../config/resolve.ts";


/** Why an id is never accepted, whoever names it; undefined when it is fine. */
function alwaysRefused(id: string): string | undefined {
  if (!id.trim()) return "is empty";
  if (hasUnsafeText(id)) return "contains control characters";
  if (id.startsWith("-")) return 'starts with "-", so inferrs would read it as a flag';
  return undefined;
}

/** Absolute, `./`, `../`, `~/`, a `..` segment, or a backslash: inferrs would read a local path. */
export function isPathLike(id: string): boolean {
  return (
    id.startsWith("/") ||
    id.startsWith("~") ||
    id.includes("\\") ||
    id.split("/").some((segment) => segment === "." || segment === "..") ||
    /^[A-Za-z]:/.test(id)
  );
}

/** The one check before a model id is resolved or served: undefined if fine, else the error message. */
export function modelIdProblem(id: string, config: Pick<ResolvedConfig, "models">): string | undefined {
  const refused = alwaysRefused(id);
  if (refused) return `The model id ${JSON.stringify(id)} ${refused}; select an inferrs/<org>/<model> id such as inferrs/google/gemma-4-E2B-it.`;
  if (isPathLike(id) && !Object.hasOwn(config.models, id)) {
    return (
      `The model id ${JSON.stringify(id)} is a local path, and inferrs would load whatever that path holds. ` +
      `To serve a local model, name that exact path under ${CONFIG_PATH}.models.`
    );
  }
  return undefined;
}

/** The warning for `count` ids that are not listable. */
export function skippedIds(count: number): string {
  return (
    `skipped ${count} model ids that look like flags or local paths or contain control characters ` +
    `(a local model is served only when its path is named under ${CONFIG_PATH}.models)`
  );
}

/** An id from a server's model list that discovery may list: no flag, no path, no control character. */
export function isListableModelId(id: string): boolean {
  return !alwaysRefused(id) && !isPathLike(id);
}

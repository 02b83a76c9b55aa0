// What onboarding of either backend says: a non-interactive failure (logged, exit 1) and the
// wizard's inline base-URL check.
import { ConfigError } from "../config/config-error.ts";
import type { ProviderAuthMethodNonInteractiveContext } from "../host-types.ts";

/** Logs `message` as an error and exits 1; null is what runNonInteractive then returns. */
export function failer(ctx: ProviderAuthMethodNonInteractiveContext): (message: string) => null {
  return (message) => {
    ctx.runtime.error(message);
    ctx.runtime.exit(1);
    return null;
  };
}

/** undefined when `apply(value)` accepts the URL; else its ConfigError's message (or the example when empty). */
export function baseUrlProblem(value: string, example: string, apply: (baseUrl: string) => unknown): string | undefined {
  if (!value.trim()) return `Required, e.g. ${example}`;
  try {
    apply(value.trim());
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

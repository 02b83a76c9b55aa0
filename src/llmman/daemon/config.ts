// What the daemon supervisor reads of the resolved `plugins.entries.inferrs.config.llmman` (types
// only: this module is evaluated at plugin import, TypeBox is not), and LLMMAN_HOST from baseUrl.
import type { ServerAddress } from "../../config/base-url.ts";
import type { ResolvedLlmmanConfig } from "../config.ts";

export { LLMMAN_CONFIG_PATH } from "../../config/config-error.ts";

export type DaemonConfig = Pick<ResolvedLlmmanConfig, keyof ServerAddress | "apiKey" | "service">;

/** Where one daemon answers (keyed by baseUrl), and the LLMMAN_HOST a daemon we start there gets. */
export type DaemonAddress = ServerAddress & { bind: string };

export function daemonAddress(address: ServerAddress): DaemonAddress {
  const { baseUrl, origin, host, port, loopback } = address;
  return { baseUrl, origin, host, port, loopback, bind: `${host.includes(":") ? `[${host}]` : host}:${port}` };
}

// Where one server of the pool answers: baseUrl with that server's port.
import type { ResolvedConfig } from "../config/resolve.ts";

export function serverAddress(config: ResolvedConfig, port: number): { origin: string; baseUrl: string } {
  const url = new URL(config.baseUrl);
  url.port = String(port);
  return { origin: url.origin, baseUrl: url.href.replace(/\/+$/, "") };
}

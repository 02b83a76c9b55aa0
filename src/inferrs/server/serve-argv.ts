// The `inferrs serve` argument list. The model goes after `--`, as inferrs' own daemon passes it
// to its workers, so no model id can ever be read as a flag.
import type { ResolvedConfig } from "../../config/resolve.ts";
import { resolveDevice } from "./device.ts";

/** `server.args` are the model's flags: service.args merged with models.<id>.args (config/model-settings.ts). */
export function serveArgv(model: string, config: ResolvedConfig, server: { port: number; args: readonly string[] }): string[] {
  return [
    "serve",
    "--host",
    config.host,
    "--port",
    String(server.port),
    "--device",
    resolveDevice(config.service.device),
    ...server.args,
    "--",
    model,
  ];
}

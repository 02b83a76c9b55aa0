// The `inferrs serve` argument list. The model goes after `--`, as inferrs' own daemon passes it
// to its workers, so no model id can ever be read as a flag. The config schema refuses these
// flags (SERVE_OWNED_FLAGS) and `--` in service.args and models.<id>.args.
import type { ResolvedConfig } from "../../config/resolve.ts";
import { SERVE_OWNED_FLAGS } from "../defaults.ts";
import { resolveDevice } from "./device.ts";

const [HOST, PORT, DEVICE] = SERVE_OWNED_FLAGS;

/** `server.args` are the model's flags: service.args merged with models.<id>.args (config/model-settings.ts). */
export function serveArgv(model: string, config: ResolvedConfig, server: { port: number; args: readonly string[] }): string[] {
  return [
    "serve",
    HOST,
    config.host,
    PORT,
    String(server.port),
    DEVICE,
    resolveDevice(config.service.device),
    ...server.args,
    "--",
    model,
  ];
}

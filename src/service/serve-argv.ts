// The `inferrs serve` argument list. The model goes after `--`, as inferrs' own daemon passes it
// to its workers, so no model id can ever be read as a flag.
import type { ResolvedConfig } from "../config/resolve.ts";
import { resolveDevice } from "./device.ts";

export function serveArgv(model: string, config: ResolvedConfig, extraArgs: readonly string[] = []): string[] {
  return [
    "serve",
    "--host",
    config.host,
    "--port",
    String(config.port),
    "--device",
    resolveDevice(config.service.device),
    ...config.service.args,
    ...extraArgs,
    "--",
    model,
  ];
}

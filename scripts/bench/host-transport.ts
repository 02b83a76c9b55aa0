// OpenClaw's own transport, loaded from the pinned host the way its CLI sets it up: the AI
// transport runtime host adapter is installed (configureAiTransportRuntimeHost), then
// `streamSimple` from openclaw/plugin-sdk/llm dispatches on model.api ("openai-completions").
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { StreamFn } from "../../src/host-types.ts";
import { hostDir } from "../host.ts";

const dist = join(hostDir, "node_modules", "openclaw", "dist");

export async function loadHostStreamSimple(): Promise<StreamFn> {
  const adapters = readdirSync(dist).filter((name) => /^ai-transport-runtime-host-.+\.mjs$/.test(name));
  let configured = false;
  for (const name of adapters) {
    const mod = (await import(pathToFileURL(join(dist, name)).href)) as Record<string, unknown>;
    // The public re-export names it; the chunk that defines it exports it as `t`.
    const configure = mod.configureAiTransportRuntimeHost ?? mod.t;
    if (typeof configure === "function") {
      configure();
      configured = true;
    }
  }
  if (!configured) throw new Error(`no ai-transport-runtime-host adapter found in ${dist}`);
  const llm = (await import(pathToFileURL(join(dist, "plugin-sdk", "llm.js")).href)) as { streamSimple?: unknown };
  if (typeof llm.streamSimple !== "function") throw new Error("openclaw/plugin-sdk/llm has no streamSimple");
  return llm.streamSimple as StreamFn;
}

// The plugin's llmman request path as the bench drives it: `createLlmmanStreamWrapper` with a real
// `LlmmanDaemons` that owns the daemon (tools/bin/llmman on a free port, a seeded store), around a
// given transport. Shared by the first-token and the cold-start figures.
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import type { StreamFn, StreamModel, WrapStreamFn } from "../../../src/host-types.ts";
import { resolveLlmmanConfig } from "../../../src/llmman/config.ts";
import { LlmmanDaemons } from "../../../src/llmman/daemon/supervisor.ts";
import { llmmanRuntimeModel } from "../../../src/llmman/discovery/model-entry.ts";
import { llmmanConfigLoader } from "../../../src/llmman/provider.ts";
import { createLlmmanStreamWrapper } from "../../../src/llmman/request/stream.ts";
import { llmmanBin } from "../../../tools/emulator/llmman/harness.ts";
import { seedLlmmanStore } from "../../../tools/emulator/llmman/store.ts";
import { freePort, onCleanup, tempDir, usedPorts } from "../processes.ts";

export const LLMMAN_MODEL = "qwen3.5:0.8b";

export type OwnedPath = { daemons: LlmmanDaemons; streamFn: StreamFn; model: StreamModel; baseUrl: string };

export async function ownedLlmmanPath(transport: StreamFn, knobs: Record<string, string>): Promise<OwnedPath> {
  const port = await freePort();
  usedPorts.add(port);
  const store = join(mkdtempSync(join(tempDir("llmman-store"), "s-")), "store");
  seedLlmmanStore(store);
  const llmman = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    service: { command: llmmanBin, env: { LLMMAN_MODELS: store, LLMMAN_EMU_POLL_MS: "20", ...knobs } },
  };
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("LLMMAN_")) env[key] = value;
  const daemons = new LlmmanDaemons({ env, stateDir: tempDir("llmman-state") });
  onCleanup(() => daemons.stop());
  const wrap: WrapStreamFn = createLlmmanStreamWrapper({
    daemons,
    loadConfig: llmmanConfigLoader({ llmman }),
    defaultStreamFn: async () => transport,
    logger: { info: () => undefined },
    env,
  });
  const streamFn = wrap({ provider: "llmman", modelId: LLMMAN_MODEL, streamFn: transport, config: {} } as unknown as Parameters<WrapStreamFn>[0]);
  if (!streamFn) throw new Error("the wrapper declined the llmman provider");
  const config = resolveLlmmanConfig(llmman);
  const model = llmmanRuntimeModel(LLMMAN_MODEL, undefined, config) as unknown as StreamModel;
  return { daemons, streamFn, model, baseUrl: config.baseUrl };
}

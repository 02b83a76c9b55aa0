// `openclaw llmman stop <model>`: unloads one model as `llmman stop` does (POST /api/generate with
// `keep_alive: 0`, wherever in the peer group /api/ps says it is loaded); never starts the daemon.
import { printable } from "../../cli/printable.ts";
import { llmmanJson, LlmmanApiError } from "../api.ts";
import type { ResolvedLlmmanConfig } from "../config.ts";
import { LLMMAN_AUTH_PLACEHOLDER, MAX_ERROR_BODY_BYTES } from "../defaults.ts";
import { runningModels } from "../discovery/daemon.ts";
import { apiTarget } from "../discovery/facts.ts";
import { modelIdProblem, parseModelRef } from "../model-id.ts";

export async function unloadModel(config: ResolvedLlmmanConfig, env: NodeJS.ProcessEnv, model: string): Promise<{ unloaded: boolean; message: string }> {
  const problem = modelIdProblem(model);
  if (problem) return { unloaded: false, message: printable(problem) };
  const parsed = parseModelRef(model);
  if (parsed.kind !== "local") {
    return { unloaded: false, message: `${model} is routed by llmman, never loaded as itself: stop its local model instead.` };
  }
  const target = { ...apiTarget(config, env), timeoutMs: config.requestTimeoutMs };
  let loaded;
  try {
    loaded = (await runningModels(target)).find((entry) => entry.name === parsed.ref);
  } catch (error) {
    if (error instanceof LlmmanApiError && error.kind === "unreachable") {
      return { unloaded: false, message: `llmman is not running at ${config.origin}: nothing to stop.` };
    }
    throw error;
  }
  if (!loaded) return { unloaded: false, message: `${parsed.ref} is not loaded on llmman at ${config.origin}: nothing to unload.` };
  const unload = { body: { model: parsed.ref, keep_alive: 0 }, maxBytes: MAX_ERROR_BODY_BYTES };
  try {
    await llmmanJson(target, "/api/generate", unload);
  } catch (error) {
    if (!(error instanceof LlmmanApiError) || error.status !== 404) throw error;
    // A daemon that does not pass the unload on to the peer holding the model: ask that peer.
    const peer = loaded.node ? peerOrigin(loaded.node) : undefined;
    if (!peer) return { unloaded: false, message: `llmman could not find ${parsed.ref} to stop${error.llmmanError ? ` (${error.llmmanError})` : ""}.` };
    // A configured key is for the daemon the user named: another host gets only llmman's placeholder.
    await llmmanJson({ ...target, origin: peer, apiKey: LLMMAN_AUTH_PLACEHOLDER }, "/api/generate", unload);
  }
  const where = loaded.node ? ` on ${loaded.node}` : "";
  return { unloaded: true, message: `Unloaded ${parsed.ref}${where} from llmman at ${config.origin}.` };
}

/** `/api/ps` `node` (`host:port` of a peer) as an origin; undefined unless it is exactly that. */
function peerOrigin(node: string): string | undefined {
  try {
    const url = new URL(`http://${node}`);
    return url.host === node && url.pathname === "/" && !url.username ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

// Whose daemon answers at the base URL, for its context ceiling: the plugin's
// LLMMAN_CONTEXT_LENGTH (service.env / --ctx-size) reaches only a daemon an OpenClaw with this
// plugin started (pid record and /api/version agree); a daemon the user runs has an env the plugin
// cannot know, so llmman's default applies there.
import { stateDir } from "../../service/pid-record.ts";
import { daemonAddress } from "../daemon/config.ts";
import { daemonOwner } from "../daemon/owner.ts";
import { probeVersion } from "../daemon/version.ts";
import type { ResolvedLlmmanConfig } from "../config.ts";

/** true when the daemon answering at config.baseUrl is one the user runs (not started by an OpenClaw). */
export async function userRunsDaemon(config: ResolvedLlmmanConfig, env: NodeJS.ProcessEnv): Promise<boolean> {
  const address = daemonAddress(config);
  const answer = await probeVersion(address.origin, config.discoveryTimeoutMs);
  return daemonOwner(stateDir(env), address, answer).startedBy === "user";
}

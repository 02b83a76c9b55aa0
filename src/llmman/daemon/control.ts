// The daemon side of `openclaw llmman status|stop`, from any OpenClaw process (beside a gateway or
// without one): what answers at baseUrl, who started it, and a stop that touches only a daemon
// OpenClaw started (this process, another OpenClaw process, or a killed one), never the user's.
import { stopRecordedServer } from "../../service/owned-servers.ts";
import type { StartedBy } from "../../service/pid-record.ts";
import type { ServerAddress } from "../../config/base-url.ts";
import { daemonAddress } from "./config.ts";
import { startedByText } from "./errors.ts";
import { daemonOwner } from "./owner.ts";
import type { LlmmanDaemons } from "./supervisor.ts";
import { probeVersion } from "./version.ts";

export type DaemonReport = {
  baseUrl: string;
  /** starting: OpenClaw spawned it and it does not answer yet (downloading llama-server). */
  state: "up" | "starting" | "down" | "not-llmman";
  detail: string | null;
  version: string | null;
  pid: number | null;
  /** null when nothing runs there. */
  startedBy: StartedBy | null;
  ownerPid: number | null;
  /** Requests holding it, when this process owns it. */
  inflight: number | null;
  uptimeSeconds: number | null;
};

export async function daemonReport(config: ServerAddress, stateDir: string, daemons?: LlmmanDaemons): Promise<DaemonReport> {
  const address = daemonAddress(config);
  const answer = await probeVersion(address.origin);
  const owner = daemonOwner(stateDir, address, answer);
  const live = daemons?.status().daemons.find((daemon) => daemon.baseUrl === address.baseUrl);
  const recorded = owner.record;
  const state = answer.kind === "down" ? (recorded ? "starting" : "down") : answer.kind;
  return {
    baseUrl: address.baseUrl,
    state,
    detail: answer.kind === "down" ? answer.reason : answer.kind === "not-llmman" ? `HTTP ${answer.status}` : null,
    version: answer.kind === "up" ? (answer.version ?? null) : null,
    pid: answer.kind === "up" ? (answer.pid ?? null) : (recorded?.pid ?? null),
    startedBy: state === "down" || state === "not-llmman" ? null : owner.startedBy,
    ownerPid: owner.ownerPid ?? null,
    inflight: live?.inflight ?? null,
    uptimeSeconds: recorded ? Math.round((Date.now() - recorded.startedAt) / 1000) : null,
  };
}

/** Stops the daemon at baseUrl only if OpenClaw started it; says why not otherwise. */
export async function stopStartedDaemon(
  config: ServerAddress,
  stateDir: string,
  daemons?: LlmmanDaemons,
): Promise<{ stopped: boolean; message: string }> {
  const address = daemonAddress(config);
  if (await daemons?.stopDaemon(address.baseUrl)) {
    return { stopped: true, message: `Stopped llmman on ${address.bind} (${startedByText({ startedBy: "this-openclaw" })}).` };
  }
  const answer = await probeVersion(address.origin);
  const owner = daemonOwner(stateDir, address, answer);
  if (owner.record && owner.startedBy !== "user") {
    await stopRecordedServer({ file: owner.file, record: owner.record });
    return { stopped: true, message: `Stopped llmman on ${address.bind} (pid ${owner.record.pid}, ${startedByText(owner)}).` };
  }
  if (answer.kind === "down") return { stopped: false, message: `llmman is not running at ${address.origin}: nothing to stop.` };
  return {
    stopped: false,
    message: `llmman at ${address.origin} was ${startedByText({ startedBy: "user" })}, so OpenClaw does not stop it; stop it where it runs.`,
  };
}

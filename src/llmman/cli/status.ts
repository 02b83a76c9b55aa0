// `openclaw llmman status`: the daemon at baseUrl (version, pid, who started it), every model it
// has loaded (here and, through LLMMAN_PEERS, on its peers: the node column) from /api/ps, and the
// models the group stores (/v1/models; the on-disk store while the daemon is down). Never starts,
// loads or wakes anything. Every server string is escaped before it reaches the report.
import { LlmmanApiError } from "../api.ts";
import type { ResolvedLlmmanConfig } from "../config.ts";
import { daemonReport, type DaemonReport } from "../daemon/control.ts";
import { startedByText } from "../daemon/errors.ts";
import type { LlmmanDaemons } from "../daemon/supervisor.ts";
import { listModels, runningModels, type RunningModel } from "../discovery/daemon.ts";
import { apiTarget } from "../discovery/facts.ts";
import { listStoredModels, storeDir } from "../discovery/store.ts";
import { serverText } from "../../cli/printable.ts";
import { formatDuration, labelled, table } from "../../cli/table.ts";

export type LlmmanStatus = {
  daemon: DaemonReport;
  /** Loaded models (empty while the daemon is down). */
  loaded: RunningModel[];
  /** Stored models, with `loaded` as /v1/models says (false when read from the store). */
  stored: Array<{ id: string; loaded: boolean }>;
  /** daemon: the (aggregated) /v1/models; store: llmman's store on disk, the daemon being down. */
  storedFrom: "daemon" | "store";
  warnings: string[];
};

export async function collectLlmmanStatus(
  config: ResolvedLlmmanConfig,
  env: NodeJS.ProcessEnv,
  stateDir: string,
  daemons?: LlmmanDaemons,
): Promise<LlmmanStatus> {
  const reported = await daemonReport(config, stateDir, daemons);
  const daemon = { ...reported, version: reported.version && serverText(reported.version, 100) };
  const warnings: string[] = [];
  if (daemon.state === "up") {
    const target = apiTarget(config, env);
    try {
      const [running, listed] = await Promise.all([runningModels(target), listModels(target)]);
      warnings.push(...listed.warnings);
      return { daemon, loaded: running.map(escaped), stored: listed.models, storedFrom: "daemon", warnings };
    } catch (error) {
      if (!(error instanceof LlmmanApiError)) throw error;
      warnings.push(error.message);
    }
  }
  const stored = listStoredModels(storeDir(config, env)).map((model) => ({ id: model.id, loaded: false }));
  return { daemon, loaded: [], stored, storedFrom: "store", warnings };
}

function escaped(model: RunningModel): RunningModel {
  const text = (value: string | null) => value && serverText(value, 100);
  return { ...model, processor: text(model.processor), node: text(model.node), expiresAt: text(model.expiresAt), startedAt: text(model.startedAt) };
}

export function formatLlmmanStatus(status: LlmmanStatus, now = Date.now()): string {
  const { daemon } = status;
  const state =
    daemon.state === "up"
      ? `up${daemon.version ? `, llmman ${daemon.version}` : ""}${daemon.pid ? `, pid ${daemon.pid}` : ""}`
      : daemon.detail
        ? `${daemon.state} (${daemon.detail})`
        : daemon.state;
  const rows: Array<[string, string]> = [
    ["Base URL", daemon.baseUrl],
    ["Daemon", state],
  ];
  if (daemon.startedBy) rows.push(["Started by", startedByText({ startedBy: daemon.startedBy, ownerPid: daemon.ownerPid ?? undefined })]);
  if (daemon.inflight !== null) rows.push(["In flight", `${daemon.inflight} request(s) of this OpenClaw process`]);
  if (daemon.uptimeSeconds !== null) rows.push(["Up", formatDuration(daemon.uptimeSeconds)]);
  const parts = [labelled(rows)];
  if (status.loaded.length > 0) {
    const peered = status.loaded.some((model) => model.node !== null);
    parts.push(
      table([
        ["LOADED", "CONTEXT", "PROCESSOR", ...(peered ? ["NODE"] : []), "UNTIL"],
        ...status.loaded.map((model) => [
          model.name,
          model.contextLength === null ? "-" : String(model.contextLength),
          model.processor ?? "-",
          ...(peered ? [model.node ?? "(this daemon)"] : []),
          until(model, now),
        ]),
      ]),
    );
  } else if (daemon.state === "up") parts.push("No model is loaded.");
  const source = status.storedFrom === "daemon" ? "" : ` (read from llmman's store: the daemon is ${daemon.state})`;
  parts.push(
    status.stored.length === 0
      ? `No model is stored${source}.`
      : `Stored models${source}:\n${status.stored.map((model) => `  ${model.id}${model.loaded ? "  (loaded)" : ""}`).join("\n")}`,
  );
  for (const warning of status.warnings) parts.push(`Warning: ${warning}`);
  return parts.join("\n\n");
}

function until(model: RunningModel, now: number): string {
  if (model.expiresAt === null) return model.keptForever ? "forever" : "-";
  const at = Date.parse(model.expiresAt);
  if (Number.isNaN(at)) return model.expiresAt;
  return at <= now ? `${model.expiresAt} (due to unload)` : `${model.expiresAt} (in ${formatDuration(Math.round((at - now) / 1000))})`;
}

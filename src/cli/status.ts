// `openclaw inferrs status`: what the plugin sees — the command it would run, the server's
// health and served model, and whether OpenClaw started (and so owns) that server.
import type { ResolvedConfig } from "../config/resolve.ts";
import { lookUpCommand } from "../service/command.ts";
import { resolveDevice } from "../service/device.ts";
import { whyNoAutoStart } from "../service/errors.ts";
import { recordedServer, recordPath, type StartedBy } from "../service/pid-record.ts";
import { probeServer } from "../service/probe.ts";

export type StatusReport = {
  baseUrl: string;
  command: { configured: string; resolved: string | null };
  autoStart: { enabled: boolean; reason: string | null };
  device: string;
  health: "ready" | "loading" | "failed" | "down" | "not-inferrs";
  detail: string | null;
  servedModel: string | null;
  /** Who started the server: an OpenClaw process (this one, another live one, or a dead one: an orphan) or the user; null when none runs. */
  startedBy: StartedBy | null;
  pid: number | null;
  ownerPid: number | null;
  uptimeSeconds: number | null;
};

export async function collectStatus(
  config: ResolvedConfig,
  env: NodeJS.ProcessEnv,
  stateDir: string,
): Promise<StatusReport> {
  const lookup = lookUpCommand(config.service.command, env);
  const why = whyNoAutoStart(config, lookup);
  const state = await probeServer(config);
  const recorded = recordedServer(recordPath(stateDir, config.port));
  const owned = recorded?.record;
  return {
    baseUrl: config.baseUrl,
    command: { configured: config.service.command, resolved: lookup.path ?? null },
    autoStart: { enabled: !why, reason: why ?? null },
    device: resolveDevice(config.service.device),
    health: state.kind === "foreign-http" ? "not-inferrs" : state.kind,
    detail: state.kind === "down" ? state.reason : state.kind === "foreign-http" ? `HTTP ${state.status}` : null,
    servedModel: state.kind === "ready" ? (state.served ?? null) : (owned?.model ?? null),
    startedBy: recorded?.startedBy ?? (state.kind === "down" ? null : "user"),
    pid: owned?.pid ?? null,
    ownerPid: owned?.ownerPid ?? null,
    uptimeSeconds: owned ? Math.round((Date.now() - owned.startedAt) / 1000) : null,
  };
}

export function formatStatus(report: StatusReport): string {
  const rows: Array<[string, string]> = [
    ["Base URL", report.baseUrl],
    ["Command", report.command.resolved ?? `${report.command.configured} (unusable: see On-demand start)`],
    ["On-demand start", report.autoStart.enabled ? "on" : `off: ${report.autoStart.reason}`],
    ["Device", report.device],
    ["Health", report.detail ? `${report.health} (${report.detail})` : report.health],
    ["Served model", report.servedModel ?? "-"],
    ["Started by", startedByText(report)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join("\n");
}

function startedByText(report: StatusReport): string {
  const server = `pid ${report.pid}, up ${formatDuration(report.uptimeSeconds ?? 0)}`;
  switch (report.startedBy) {
    case "this-openclaw":
      return `this OpenClaw process (${server})`;
    case "other-openclaw":
      return `another OpenClaw process, pid ${report.ownerPid}, which stops it (${server})`;
    case "orphan":
      return `an OpenClaw process that is gone (pid ${report.ownerPid}): an orphan, stopped by the next start on this port (${server})`;
    case "user":
      return "you (a server you run yourself: OpenClaw uses it as it is, never stops it)";
    case null:
      return "no server running";
  }
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

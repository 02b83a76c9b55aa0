// `openclaw inferrs status`: what the plugin sees — the command it would run, the server's
// health and served model, and whether OpenClaw started (and so owns) that server.
import type { ResolvedConfig } from "../config/resolve.ts";
import { resolveCommand } from "../service/command.ts";
import { resolveDevice } from "../service/device.ts";
import { whyNoAutoStart } from "../service/errors.ts";
import { isAlive, matchesRecord, readRecord, recordPath } from "../service/pid-record.ts";
import { probeServer } from "../service/probe.ts";

export type StatusReport = {
  baseUrl: string;
  command: { configured: string; resolved: string | null };
  autoStart: { enabled: boolean; reason: string | null };
  device: string;
  health: "ready" | "loading" | "failed" | "down" | "not-inferrs";
  detail: string | null;
  servedModel: string | null;
  ownedByOpenClaw: boolean;
  pid: number | null;
  ownerPid: number | null;
  uptimeSeconds: number | null;
};

export async function collectStatus(
  config: ResolvedConfig,
  env: NodeJS.ProcessEnv,
  stateDir: string,
): Promise<StatusReport> {
  const resolved = resolveCommand(config.service.command, env);
  const why = whyNoAutoStart(config, resolved);
  const state = await probeServer(config);
  const record = readRecord(recordPath(stateDir, config.port));
  const owned = record && isAlive(record.ownerPid) && matchesRecord(record) ? record : undefined;
  return {
    baseUrl: config.baseUrl,
    command: { configured: config.service.command, resolved: resolved ?? null },
    autoStart: { enabled: !why, reason: why ?? null },
    device: resolveDevice(config.service.device),
    health: state.kind === "foreign-http" ? "not-inferrs" : state.kind,
    detail: state.kind === "down" ? state.reason : state.kind === "foreign-http" ? `HTTP ${state.status}` : null,
    servedModel: state.kind === "ready" ? (state.served ?? null) : (owned?.model ?? null),
    ownedByOpenClaw: Boolean(owned),
    pid: owned?.pid ?? null,
    ownerPid: owned?.ownerPid ?? null,
    uptimeSeconds: owned ? Math.round((Date.now() - owned.startedAt) / 1000) : null,
  };
}

export function formatStatus(report: StatusReport): string {
  const rows: Array<[string, string]> = [
    ["Base URL", report.baseUrl],
    ["Command", report.command.resolved ?? `${report.command.configured} (not found)`],
    ["On-demand start", report.autoStart.enabled ? "on" : `off: ${report.autoStart.reason}`],
    ["Device", report.device],
    ["Health", report.detail ? `${report.health} (${report.detail})` : report.health],
    ["Served model", report.servedModel ?? "-"],
    [
      "Started by OpenClaw",
      report.ownedByOpenClaw
        ? `yes: pid ${report.pid}, OpenClaw pid ${report.ownerPid}, up ${formatDuration(report.uptimeSeconds ?? 0)}`
        : report.health === "down"
          ? "no server running"
          : "no (a server you run yourself: OpenClaw uses it as it is, never stops it)",
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join("\n");
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

// `openclaw inferrs status`: what the plugin sees — the command it would run, and every inferrs
// server: the ones OpenClaw started (this process, another OpenClaw process such as a running
// gateway, or a killed one), read from their pid records, and a server the user runs on baseUrl.
import { printable } from "../../cli/printable.ts";
import type { ResolvedConfig } from "../../config/resolve.ts";
import { lookUpCommand } from "../../service/command.ts";
import { resolveDevice } from "../server/device.ts";
import { whyNoAutoStart } from "../server/errors.ts";
import { ownedServers, type OwnedServer } from "../../service/owned-servers.ts";
import { probeServer, type ServerState } from "../server/probe.ts";
import { serverAddress } from "../../service/server-address.ts";
import type { StartedBy } from "../../service/pid-record.ts";
import type { Supervisor } from "../pool/supervisor.ts";
import { formatDuration, labelled, table } from "../../cli/table.ts";

export type ServerReport = {
  model: string | null;
  baseUrl: string;
  port: number;
  pid: number | null;
  state: "loading" | "ready" | "failed" | "down" | "not-inferrs";
  /** this-openclaw: this process; other-openclaw: e.g. the running gateway; orphan: its OpenClaw was killed. */
  startedBy: StartedBy;
  ownerPid: number | null;
  embedding: boolean;
  inflight: number | null;
  idleSeconds: number | null;
  uptimeSeconds: number | null;
};

export type StatusReport = {
  baseUrl: string;
  command: { configured: string; resolved: string | null };
  autoStart: { enabled: boolean; reason: string | null };
  device: string;
  maxServers: number;
  /** The server on baseUrl. */
  health: ServerReport["state"];
  detail: string | null;
  servedModel: string | null;
  servers: ServerReport[];
};

export async function collectStatus(
  config: ResolvedConfig,
  env: NodeJS.ProcessEnv,
  stateDir: string,
  supervisor?: Supervisor,
): Promise<StatusReport> {
  const lookup = lookUpCommand(config.service.command, env);
  const why = whyNoAutoStart(config, lookup);
  const owned = ownedServers(stateDir);
  const live = new Map(supervisor?.status().servers.map((server) => [server.pid, server]));
  const servers = await Promise.all(owned.map((server) => ownedReport(server, config, live.get(server.record.pid))));

  const base = await probeServer(config);
  const onBase = servers.find((server) => server.port === config.port);
  if (!onBase && base.kind !== "down") {
    servers.unshift({
      ...emptyReport(config.baseUrl, config.port, "user"),
      model: base.kind === "ready" ? (base.served ?? null) : null,
      state: stateOf(base),
    });
  }
  return {
    baseUrl: config.baseUrl,
    command: { configured: config.service.command, resolved: lookup.path ?? null },
    autoStart: { enabled: !why, reason: why ?? null },
    device: resolveDevice(config.service.device),
    maxServers: config.service.maxServers,
    health: stateOf(base),
    detail: base.kind === "down" ? base.reason : base.kind === "foreign-http" ? `HTTP ${base.status}` : null,
    servedModel: base.kind === "ready" ? (base.served ?? onBase?.model ?? null) : (onBase?.model ?? null),
    servers,
  };
}

async function ownedReport(
  server: OwnedServer,
  config: ResolvedConfig,
  live: ReturnType<Supervisor["status"]>["servers"][number] | undefined,
): Promise<ServerReport> {
  const { record } = server;
  const address = serverAddress(config, record.port);
  const state = await probeServer({ ...config, ...address });
  const now = Date.now();
  const inflight = live?.inflight ?? record.inflight ?? null;
  const lastUsedAt = live ? now - (live.idleMs ?? 0) : record.lastUsedAt;
  return {
    ...emptyReport(address.baseUrl, record.port, server.startedBy),
    model: record.model,
    pid: record.pid,
    state: stateOf(state),
    ownerPid: record.ownerPid,
    embedding: record.embedding === true,
    inflight,
    idleSeconds: inflight === 0 && lastUsedAt !== undefined ? Math.round((now - lastUsedAt) / 1000) : null,
    uptimeSeconds: Math.round((now - record.startedAt) / 1000),
  };
}

function emptyReport(baseUrl: string, port: number, startedBy: ServerReport["startedBy"]): ServerReport {
  return {
    model: null,
    baseUrl,
    port,
    pid: null,
    state: "down",
    startedBy,
    ownerPid: null,
    embedding: false,
    inflight: null,
    idleSeconds: null,
    uptimeSeconds: null,
  };
}

function stateOf(state: ServerState): ServerReport["state"] {
  return state.kind === "foreign-http" ? "not-inferrs" : state.kind;
}

const STARTED_BY: Record<ServerReport["startedBy"], string> = {
  "this-openclaw": "this OpenClaw process",
  "other-openclaw": "another OpenClaw process, which stops it",
  orphan: "an OpenClaw process that is gone: an orphan, stopped by the next start",
  user: "you (OpenClaw uses it as it is and never stops it)",
};

export function formatStatus(report: StatusReport): string {
  const rows: Array<[string, string]> = [
    ["Base URL", report.baseUrl],
    ["Command", report.command.resolved ?? `${report.command.configured} (unusable: see On-demand start)`],
    ["On-demand start", report.autoStart.enabled ? `on, up to ${report.maxServers} server(s)` : `off: ${report.autoStart.reason}`],
    ["Device", report.device],
    ["Health", report.detail ? `${report.health} (${printable(report.detail)})` : report.health],
  ];
  const head = labelled(rows);
  if (report.servers.length === 0) return `${head}\n\nNo inferrs server is running.`;
  const lines = table([
    ["MODEL", "PORT", "PID", "STATE", "IN FLIGHT", "IDLE", "UP", "STARTED BY"],
    ...report.servers.map((server) => [
      `${server.model === null ? "-" : printable(server.model)}${server.embedding ? " (embeddings)" : ""}`,
      String(server.port),
      server.pid === null ? "-" : String(server.pid),
      server.state,
      server.inflight === null ? "-" : String(server.inflight),
      server.idleSeconds === null ? "-" : formatDuration(server.idleSeconds),
      server.uptimeSeconds === null ? "-" : formatDuration(server.uptimeSeconds),
      STARTED_BY[server.startedBy] + (server.ownerPid && server.startedBy !== "this-openclaw" ? ` (pid ${server.ownerPid})` : ""),
    ]),
  ]);
  return `${head}\n\n${lines}`;
}

// The machine and software a bench ran on, for the report.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, type } from "node:os";
import { join } from "node:path";
import { hostDir, projectDir } from "../host.ts";

export type Machine = {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  openclaw: string;
  commit: string;
};

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1];
    if (pretty) return `${pretty} (${type()} ${release()})`;
  } catch {
    // not Linux
  }
  return `${type()} ${release()}`;
}

function gitCommit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: projectDir, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: projectDir, encoding: "utf8" }).trim();
    return dirty ? `${head} + uncommitted changes in src/` : head;
  } catch {
    return "unknown";
  }
}

export function describeMachine(): Machine {
  const openclaw = JSON.parse(readFileSync(join(hostDir, "node_modules", "openclaw", "package.json"), "utf8")) as { version: string };
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    node: process.version,
    openclaw: openclaw.version,
    commit: gitCommit(),
  };
}

/** 1-minute load average, to show how busy the machine was. */
export function load1(): number {
  return loadavg()[0]!;
}

// Where the pinned OpenClaw host lives and how to run it (Node 24 from the `node` devDependency).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const projectDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const hostDir = join(projectDir, ".host");
export const openclawVersion = "2026.9.6";
export const openclawEntry = join(hostDir, "node_modules", "openclaw", "openclaw.mjs");
export const node24 = join(projectDir, "node_modules", "node", "bin", "node");

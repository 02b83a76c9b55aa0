// A real, isolated OpenClaw (the pinned npm `openclaw`, run by Node 24) with the packed plugin
// installed the way a user installs it. Each host has its own state dir, config file and
// Hugging Face cache; nothing is read from or written to the user's ~/.openclaw.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { node24, openclawEntry, projectDir } from "../scripts/host.ts";
import { seedHfCache } from "./emulator/hf-cache.ts";

/** Made by packPlugin(). */
export const pluginTarball = join(projectDir, ".tmp", "openclaw-inferrs.tgz");
export const inferrsBin = join(projectDir, "tools", "bin", "inferrs");

export type RunResult = { code: number | null; stdout: string; stderr: string; ms: number };

type Json = Record<string, unknown>;

export class OpenClawHost {
  readonly dir: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly hfHome: string;
  readonly requestLog: string;
  private readonly children = new Set<ChildProcess>();

  private constructor(dir: string) {
    this.dir = dir;
    this.stateDir = join(dir, "state");
    this.configPath = join(dir, "openclaw.json");
    this.hfHome = join(dir, "hf");
    this.requestLog = join(dir, "inferrs-requests.jsonl");
  }

  /** A fresh host with the plugin installed and enabled (`plugins install npm-pack:`). */
  static async create(options: { hfModels?: string[] } = {}): Promise<OpenClawHost> {
    const host = new OpenClawHost(mkdtempSync(join(tmpdir(), "openclaw-inferrs-e2e-")));
    mkdirSync(host.stateDir, { recursive: true });
    seedHfCache(host.hfHome, options.hfModels);
    host.writeConfig({ logging: { file: join(host.dir, "openclaw.log") } });
    const install = await host.run(["plugins", "install", `npm-pack:${pluginTarball}`, "--force", "--accept-capabilities"]);
    if (install.code !== 0) throw new Error(`plugin install failed:\n${install.stdout}\n${install.stderr}`);
    return host;
  }

  readConfig(): Json {
    return existsSync(this.configPath) ? (JSON.parse(readFileSync(this.configPath, "utf8")) as Json) : {};
  }

  writeConfig(config: Json): void {
    writeFileSync(this.configPath, JSON.stringify(config, null, 2));
  }

  /** Sets plugins.entries.inferrs.config (and nothing else: no provider block). */
  setPluginConfig(pluginConfig: Json): void {
    const config = this.readConfig() as { plugins?: { entries?: Record<string, Json> } };
    config.plugins ??= {};
    config.plugins.entries ??= {};
    config.plugins.entries.inferrs = { ...config.plugins.entries.inferrs, enabled: true, config: pluginConfig };
    this.writeConfig(config);
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith("OPENCLAW_") && !key.startsWith("INFERRS_") && key !== "NODE_OPTIONS") env[key] = value;
    }
    return {
      ...env,
      OPENCLAW_STATE_DIR: this.stateDir,
      OPENCLAW_CONFIG_PATH: this.configPath,
      HF_HOME: this.hfHome,
      NO_COLOR: "1",
      // The plugin's runtime dependencies come from npm's cache when it has them.
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
      ...extra,
    };
  }

  /** Runs `openclaw <args>` to completion. */
  run(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
    const started = Date.now();
    return new Promise((resolve) => {
      execFile(
        node24,
        [openclawEntry, ...args],
        { env: this.env(options.env), timeout: options.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024, cwd: this.dir },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
          resolve({ code, stdout, stderr, ms: Date.now() - started });
        },
      );
    });
  }

  /** Starts `openclaw <args>` and returns it running (e.g. the gateway). */
  spawn(args: string[], env: Record<string, string> = {}): ChildProcess {
    const child = spawn(node24, [openclawEntry, ...args], { env: this.env(env), cwd: this.dir, stdio: ["ignore", "pipe", "pipe"] });
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    return child;
  }

  /** Lines of the emulator's request log (JSON), empty when it never started. */
  requests(): Array<Json & { event: string; path?: string; argv?: string[]; pid?: number; body?: Json; headers?: Json }> {
    if (!existsSync(this.requestLog)) return [];
    return readFileSync(this.requestLog, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  async dispose(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Packs the built plugin the way it is published, to pluginTarball. */
export function packPlugin(): void {
  const out = join(projectDir, ".tmp");
  mkdirSync(out, { recursive: true });
  const name = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", out], {
    cwd: projectDir,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop()!;
  renameSync(join(out, name), pluginTarball);
}

/** true while the process exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

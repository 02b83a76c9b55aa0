// A real, isolated OpenClaw (the pinned npm `openclaw`, run by Node 24) with the packed plugin
// installed the way a user installs it. Each host has its own state dir, config file and
// Hugging Face cache; nothing is read from or written to the user's ~/.openclaw.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { node24, openclawCompileCache, openclawEntry, projectDir } from "../scripts/host.ts";
import { seedHfCache } from "./emulator/hf-cache.ts";
import { removeStateLocks } from "./openclaw-locks.ts";
import { runInTerminal, type TerminalAnswer, type TerminalResult } from "./terminal.ts";

/** true while the process runs (a zombie counts as gone). */
export { isAlive as alive } from "../src/service/pid-record.ts";

/** Made by packPlugin(). */
export const pluginTarball = join(projectDir, ".tmp", "openclaw-inferrs.tgz");
export const inferrsBin = join(projectDir, "tools", "bin", "inferrs");

export type RunResult = { code: number | null; stdout: string; stderr: string; ms: number };

type Json = Record<string, unknown>;

export type Gateway = {
  /** Resolves once the gateway's output matches (rejects on timeout or exit). */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  stop(): Promise<number | null>;
};

export class OpenClawHost {
  readonly dir: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly hfHome: string;
  readonly requestLog: string;
  private readonly children = new Set<ChildProcess>();
  private readonly runs = new Set<ChildProcess>();

  /** false: the machine's own Hugging Face cache is used (real inferrs). */
  private readonly ownHfCache: boolean;

  private constructor(dir: string, ownHfCache: boolean) {
    this.dir = dir;
    this.ownHfCache = ownHfCache;
    this.stateDir = join(dir, "state");
    this.configPath = join(dir, "openclaw.json");
    this.hfHome = join(dir, "hf");
    this.requestLog = join(dir, "inferrs-requests.jsonl");
  }

  /**
   * A fresh host with the plugin installed and enabled: by `plugins install npm-pack:`, or (much
   * faster) as a copy of a `template` host made by installTemplate(). A copied state dir keeps
   * loading the plugin from the template's install dir, so the template must outlive the copy.
   */
  static async create(options: { hfModels?: string[]; realHfCache?: boolean; template?: string } = {}): Promise<OpenClawHost> {
    const host = new OpenClawHost(mkdtempSync(join(tmpdir(), "openclaw-inferrs-e2e-")), !options.realHfCache);
    if (host.ownHfCache) seedHfCache(host.hfHome, options.hfModels);
    if (options.template) {
      const template = new OpenClawHost(options.template, true);
      cpSync(template.stateDir, host.stateDir, { recursive: true });
      host.writeConfig({ ...template.readConfig(), logging: { file: join(host.dir, "openclaw.log") } });
    } else {
      await host.install().catch(async (error: unknown) => {
        await host.dispose();
        throw error;
      });
    }
    return host;
  }

  /** Installs the plugin into a host at `dir` (a fixed path: copies of it refer to it) for create({ template }). */
  static async installTemplate(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    await new OpenClawHost(dir, true).install();
  }

  private async install(): Promise<void> {
    mkdirSync(this.stateDir, { recursive: true });
    this.writeConfig({
      logging: { file: join(this.dir, "openclaw.log") },
      // Offline and quiet: no update checks, hosted catalog, mDNS or cron.
      update: { checkOnStart: false },
      models: { catalogRefresh: { enabled: false } },
      discovery: { mdns: { mode: "off" } },
      cron: { enabled: false },
    });
    const install = await this.run(["plugins", "install", `npm-pack:${pluginTarball}`, "--force", "--accept-capabilities"], {
      timeoutMs: 600_000, // minutes on a loaded machine
    });
    if (install.code !== 0) throw new Error(`plugin install failed:\n${install.stdout}\n${install.stderr}`);
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
      // jest sets NODE_ENV=test, under which OpenClaw's gateway writes no lock (so a CLI beside it
      // says "Gateway is not running"): run OpenClaw as a user does.
      if (!key.startsWith("OPENCLAW_") && !key.startsWith("INFERRS_") && key !== "NODE_OPTIONS" && key !== "NODE_ENV") {
        env[key] = value;
      }
    }
    // OpenClaw's own temp files (e.g. the gateway's .openclaw-terminal-staging-*) stay in the
    // host's dir, which dispose() removes.
    const tmp = join(this.dir, "tmp");
    mkdirSync(tmp, { recursive: true });
    return {
      ...env,
      TMPDIR: tmp,
      // ...but Node's compile cache, which OpenClaw puts in TMPDIR, stays warm across hosts: the
      // dir OpenClaw's launcher would pick, with the marker its respawn sets, so that it does not
      // start itself again to switch dirs (a second Node start per CLI run).
      NODE_COMPILE_CACHE: openclawCompileCache(process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), "node-compile-cache")),
      OPENCLAW_PACKAGED_COMPILE_CACHE_RESPAWNED: "1",
      OPENCLAW_STATE_DIR: this.stateDir,
      OPENCLAW_CONFIG_PATH: this.configPath,
      ...(this.ownHfCache ? { HF_HOME: this.hfHome } : {}),
      NO_COLOR: "1",
      OPENCLAW_NO_RESPAWN: "1", // the gateway stays the process we started, so we can stop it
      OPENCLAW_DISABLE_BONJOUR: "1",
      OPENCLAW_SKIP_CHANNELS: "1",
      OPENCLAW_NO_AUTO_UPDATE: "1",
      // The plugin's runtime dependencies come from npm's cache when it has them.
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
      ...extra,
    };
  }

  /** Runs `openclaw <args>` to completion. */
  run(args: string[], options: { env?: Record<string, string>; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
    const started = Date.now();
    return new Promise((resolve) => {
      const child = execFile(
        node24,
        [openclawEntry, ...args],
        { env: this.env(options.env), timeout: options.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024, cwd: this.dir },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
          resolve({ code, stdout, stderr, ms: Date.now() - started });
        },
      );
      child.stdin?.end(options.input ?? "");
      this.runs.add(child);
      child.once("exit", () => this.runs.delete(child));
    });
  }

  /** Runs `openclaw <args>` in a pseudo-terminal, typing each answer when its prompt shows. */
  runInTerminal(args: string[], answers: TerminalAnswer[], timeoutMs = 120_000): Promise<TerminalResult> {
    return runInTerminal([node24, openclawEntry, ...args], answers, {
      env: { ...this.env(), TERM: "xterm-256color" },
      cwd: this.dir,
      timeoutMs,
      started: (child) => {
        this.runs.add(child);
        child.once("exit", () => this.runs.delete(child));
      },
    });
  }

  /** Ends the `run()`s still going (a test that timed out leaves its CLI behind). */
  stopRuns(): Promise<void> {
    return stopAll(this.runs);
  }

  /** Starts `openclaw <args>` and returns it running (e.g. the gateway). */
  spawn(args: string[], env: Record<string, string> = {}): ChildProcess {
    const child = spawn(node24, [openclawEntry, ...args], { env: this.env(env), cwd: this.dir, stdio: ["ignore", "pipe", "pipe"] });
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    return child;
  }

  /** Runs `openclaw gateway run` on loopback and resolves once it logs that it is ready. */
  async startGateway(port: number, env: Record<string, string> = {}, readyTimeoutMs = 180_000): Promise<Gateway> {
    const config = this.readConfig();
    this.writeConfig({ ...config, gateway: { mode: "local", port, bind: "loopback" } });
    const child = this.spawn(["gateway", "run", "--bind", "loopback", "--port", String(port)], env);
    let output = "";
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const waitForOutput = (pattern: RegExp, timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`gateway printed no ${pattern} within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout!.off("data", check);
          child.stderr!.off("data", check);
        };
        child.stdout!.on("data", check);
        child.stderr!.on("data", check);
        void exited.then((code) => {
          cleanup();
          reject(new Error(`gateway exited (${code}) before printing ${pattern}:\n${output}`));
        });
        check();
      });
    const collect = (chunk: Buffer) => (output += chunk.toString());
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    await waitForOutput(/\[gateway\] ready/, readyTimeoutMs);
    return {
      waitForOutput,
      stop: async () => {
        child.kill("SIGTERM");
        return exited;
      },
    };
  }

  /** Lines of the emulator's request log (JSON; default the inferrs one), empty when it never started. */
  requests(log = this.requestLog): Array<Json & { event: string; path?: string; argv?: string[]; pid?: number; model?: string; port?: number; body?: Json; headers?: Json }> {
    if (!existsSync(log)) return [];
    return readFileSync(log, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  /** The emulator's start lines: one per `inferrs serve` spawned. */
  starts() {
    return this.requests().filter((line) => line.event === "start");
  }

  async dispose(): Promise<void> {
    await Promise.all([stopAll(this.children), this.stopRuns()]);
    removeStateLocks(this.stateDir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function stopAll(children: Set<ChildProcess>): Promise<void> {
  return Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  ).then(() => undefined);
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


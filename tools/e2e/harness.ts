// The e2e test harness: one isolated OpenClaw host per test file (copied from the installed
// template), reset before each test to the file's baseline config, with runners for the CLI
// commands the tests use, emulated servers and gateways that are stopped after the test that
// started them, and a leak check scoped to what this file started (other users of the machine run
// emulators and OpenClaw too: nothing system-wide is looked at).
import { afterAll, afterEach, beforeAll, beforeEach, jest } from "@jest/globals";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelSpec } from "../emulator/llmman/catalog.ts";
import { type LlmmanEmulator, llmmanBin, type StartLlmmanOptions, startLlmmanEmulator } from "../emulator/llmman/harness.ts";
import { seedLlmmanStore } from "../emulator/llmman/store.ts";
import { freePort } from "../net.ts";
import { commandLine, processesWithEnv } from "../processes.ts";
import { alive, inferrsBin, OpenClawHost, type Gateway, type RunResult } from "../openclaw-host.ts";
import { type Emulator, type StartOptions, startEmulator } from "./emulator.ts";
import { hostTemplate } from "./template.ts";

type Json = Record<string, unknown>;
export type LogLine = ReturnType<OpenClawHost["requests"]>[number];

export const PROMPT = "What is 2 + 2?";

/** The plugin's providers: each has an emulator command and a request log it writes when told where. */
export type Backend = "inferrs" | "llmman";
const BACKENDS: Record<Backend, { command: string; logVar: string; logFile: string }> = {
  inferrs: { command: inferrsBin, logVar: "INFERRS_EMU_REQUEST_LOG", logFile: "inferrs-requests.jsonl" },
  llmman: { command: llmmanBin, logVar: "LLMMAN_EMU_REQUEST_LOG", logFile: "llmman-requests.jsonl" },
};

/**
 * How long an e2e test, hook or wait may take. Generous: an OpenClaw CLI start takes ~10 s on an
 * idle 2-core machine and minutes on a loaded one; every wait ends at its event, not at this.
 */
export const E2E_TIMEOUT_MS = 20 * 60_000;
const CLI_TIMEOUT_MS = 10 * 60_000;

export interface SuiteOptions {
  /** Host config (top-level keys) every test of the file starts from, besides the plugin's. */
  config?: (suite: E2eSuite) => Json;
  /** plugins.entries.inferrs.config every test starts from; default: none. */
  pluginConfig?: (suite: E2eSuite) => Json;
  /** The provider the runners and the request-log window use unless told otherwise; default inferrs. */
  backend?: Backend;
}

export interface PluginConfigOptions {
  /** service.env besides the emulator's request log (and, for llmman, the test's store). */
  env?: Record<string, string>;
  /** Other service.* keys. */
  service?: Json;
  /** Other plugin config keys (baseUrl, models, …). */
  [key: string]: unknown;
}

export class E2eSuite {
  host!: OpenClawHost;
  /** The plugin's baseUrl port (nothing listens there until a test starts something). */
  port!: number;
  /** llmman's baseUrl port, likewise. */
  llmmanPort!: number;
  readonly backend: Backend;
  private baseline = "";
  /** Request-log lines written before the current test, per backend. */
  private logStart: Record<Backend, number> = { inferrs: 0, llmman: 0 };
  private store: string | undefined;
  private readonly emulators = new Set<Emulator | LlmmanEmulator>();
  private readonly gateways = new Set<Gateway>();
  private shared: Promise<Gateway> | undefined;
  private readonly tempDirs: string[] = [];

  private readonly options: SuiteOptions;

  constructor(options: SuiteOptions) {
    this.options = options;
    this.backend = options.backend ?? "inferrs";
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  get llmmanBaseUrl(): string {
    return `http://127.0.0.1:${this.llmmanPort}/v1`;
  }

  /** The JSON-lines request log the backend's emulator writes in this host. */
  requestLog(backend: Backend = this.backend): string {
    return join(this.host.dir, BACKENDS[backend].logFile);
  }

  /**
   * The llmman store (LLMMAN_MODELS) of the current test, removed after it: empty unless seeded
   * with `models` (refs of the emulator's registry, or specs) or, with "default", the emulator's
   * four seeded models.
   */
  llmmanStore(models?: "default" | ReadonlyArray<string | ModelSpec>): string {
    // In a dir of its own: llmman makes `cache/` beside its store.
    if (!this.store) {
      this.store = join(this.tempDir("llmman-e2e-"), "store");
      mkdirSync(this.store);
    }
    if (models) seedLlmmanStore(this.store, models === "default" ? undefined : models);
    return this.store;
  }

  /**
   * Plugin config pointing at the backend's emulator (request log on) on this file's port for
   * it: `{ baseUrl, service, … }` for inferrs, `{ llmman: { baseUrl, service, … } }` for llmman.
   */
  pluginConfig({ env = {}, service = {}, ...rest }: PluginConfigOptions = {}, backend: Backend = this.backend): Json {
    const { command, logVar } = BACKENDS[backend];
    const llmman = backend === "llmman";
    const block = {
      baseUrl: llmman ? this.llmmanBaseUrl : this.baseUrl,
      service: { command, env: { [logVar]: this.requestLog(backend), ...(llmman ? { LLMMAN_MODELS: this.llmmanStore() } : {}), ...env }, ...service },
      ...rest,
    };
    return llmman ? { llmman: block } : block;
  }

  usePluginConfig(options: PluginConfigOptions = {}, backend: Backend = this.backend): void {
    this.host.setPluginConfig(this.pluginConfig(options, backend));
  }

  /** Merges top-level keys into the host config. */
  updateConfig(update: Json): void {
    this.host.writeConfig({ ...this.host.readConfig(), ...update });
  }

  run(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
    return this.host.run(args, { timeoutMs: CLI_TIMEOUT_MS, ...options });
  }

  /** `openclaw infer model run --local|--gateway --model <provider>/<model> --prompt … [--thinking …] [--json]`. */
  inferRun(model: string, options: RunnerOptions & { env?: Record<string, string>; json?: boolean; gateway?: boolean } = {}): Promise<RunResult> {
    const json = options.json === false ? [] : ["--json"];
    const thinking = options.thinking ? ["--thinking", options.thinking] : [];
    const where = options.gateway ? "--gateway" : "--local";
    return this.run(["infer", "model", "run", where, "--model", this.modelRef(model, options), ...thinking, "--prompt", PROMPT, ...json], options);
  }

  /** `openclaw agent [--local] --model <provider>/<model> -m … --json` (through the gateway unless local). */
  agent(model: string, options: RunnerOptions & { local?: boolean; session?: string; message?: string } = {}): Promise<RunResult> {
    return this.run([
      "agent",
      ...(options.local ? ["--local"] : []),
      "--model",
      this.modelRef(model, options),
      ...(options.session ? ["--session-id", options.session] : []),
      ...(options.thinking ? ["--thinking", options.thinking] : []),
      "-m",
      options.message ?? PROMPT,
      "--json",
    ]);
  }

  private modelRef(model: string, options: RunnerOptions): string {
    return options.model ?? `${options.provider ?? this.backend}/${model}`;
  }

  /** `openclaw models list --provider <provider> --refresh --json`. */
  modelsList(env: Record<string, string> = {}, provider: Backend = this.backend): Promise<RunResult> {
    return this.run(["models", "list", "--provider", provider, "--refresh", "--json"], { env });
  }

  /** The backend emulator's request-log lines written during this test. */
  requests(backend: Backend = this.backend): LogLine[] {
    return this.host.requests(this.requestLog(backend)).slice(this.logStart[backend]);
  }

  /** `inferrs serve` / `llmman serve` starts during this test. */
  starts(backend: Backend = this.backend): LogLine[] {
    return this.requests(backend).filter((line) => line.event === "start");
  }

  /** Requests to `path` during this test (default: chat completions). */
  posts(path = "/v1/chat/completions", backend: Backend = this.backend): LogLine[] {
    return this.requests(backend).filter((line) => line.event === "request" && line.path === path);
  }

  /** An emulated server (as a user runs it: no request log), on this file's port by default; stopped after the test. */
  async startEmulator(options: StartOptions = {}): Promise<Emulator> {
    const emulator = await startEmulator({ port: this.port, hfHome: this.host.hfHome, ...options });
    this.emulators.add(emulator);
    return emulator;
  }

  /** An llmman daemon as a user runs it (its own store and request log, see its harness), stopped after the test. */
  async startLlmmanEmulator(options: StartLlmmanOptions = {}): Promise<LlmmanEmulator> {
    const emulator = await startLlmmanEmulator(options);
    this.emulators.add(emulator);
    return emulator;
  }

  /** A gateway on loopback for this test only; stopped after it. */
  async startGateway(env: Record<string, string> = {}): Promise<Gateway> {
    const gateway = await this.launchGateway(env);
    this.gateways.add(gateway);
    return gateway;
  }

  /**
   * OpenClaw gives its state-lease heartbeat worker a fixed 5 s to start
   * (LEASE_HEARTBEAT_START_TIMEOUT_MS); on a loaded machine it misses that and the gateway exits
   * before it is ready ("state lease heartbeat did not become ready"). Then it is started again,
   * as its operator would; any other failure fails the test.
   */
  private async launchGateway(env: Record<string, string> = {}): Promise<Gateway> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.host.startGateway(await freePort(), env, E2E_TIMEOUT_MS);
      } catch (error) {
        if (attempt === 3 || !/state lease heartbeat did not become ready/.test(String(error))) throw error;
      }
    }
  }

  /**
   * The file's shared gateway, started (with the baseline config) by the first test that needs it
   * and kept for the next ones until a test stops it (then the next one starts another).
   */
  sharedGateway(): Promise<Gateway> {
    this.shared ??= this.launchGateway().then(
      (gateway) => {
        // Its gateway block stays for the next tests (a config change would make it reload).
        this.baseline = JSON.stringify(this.host.readConfig());
        return { ...gateway, stop: () => ((this.shared = undefined), gateway.stop()) };
      },
      (error: unknown) => {
        this.shared = undefined;
        throw error;
      },
    );
    return this.shared;
  }

  /** A temp dir removed after the test. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.tempDirs.push(dir);
    return dir;
  }

  async setUp(): Promise<void> {
    this.host = await OpenClawHost.create({ template: hostTemplate() });
    this.port = await freePort();
    this.llmmanPort = await freePort();
    if (this.options.pluginConfig) this.host.setPluginConfig(this.options.pluginConfig(this));
    if (this.options.config) this.updateConfig(this.options.config(this));
    this.baseline = JSON.stringify(this.host.readConfig());
  }

  beginTest(): void {
    // A running shared gateway reloads on a config change: write only what differs.
    if (JSON.stringify(this.host.readConfig()) !== this.baseline) this.host.writeConfig(JSON.parse(this.baseline) as Json);
    for (const backend of Object.keys(BACKENDS) as Backend[]) this.logStart[backend] = this.host.requests(this.requestLog(backend)).length;
  }

  /** Stops what the test started and fails it if a server it caused outlived it. */
  async endTest(): Promise<void> {
    await this.stopStarted();
    // A shared gateway may keep its servers up for the next test: checked at the end of the file.
    if (!this.shared) await this.expectStopped(false);
  }

  async tearDown(): Promise<void> {
    if (!this.host) return;
    await this.stopStarted();
    await (await this.shared?.catch(() => undefined))?.stop();
    try {
      await this.expectStopped(true);
    } finally {
      await this.host.dispose();
    }
  }

  private async stopStarted(): Promise<void> {
    await this.host.stopRuns();
    await Promise.all([...this.emulators].map((emulator) => emulator.stop()));
    await Promise.all([...this.gateways].map((gateway) => gateway.stop()));
    this.emulators.clear();
    this.gateways.clear();
    this.store = undefined;
    for (const dir of this.tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }

  /**
   * Servers and daemons OpenClaw started (pids in this host's request logs, of this test or, at
   * the end, of the file) and every process with one of these logs in its environment (llmman's
   * llama-server children) must be gone; a leak is killed and reported.
   */
  private async expectStopped(wholeFile: boolean): Promise<void> {
    const backends = Object.keys(BACKENDS) as Backend[];
    const starts = backends.flatMap((backend) =>
      (wholeFile ? this.host.requests(this.requestLog(backend)) : this.requests(backend)).filter((line) => line.event === "start"),
    );
    const marked = backends.map((backend) => `${BACKENDS[backend].logVar}=${this.requestLog(backend)}`);
    const pids = new Set([...starts.map((line) => line.pid!).filter((pid) => pid !== undefined), ...processesWithEnv(marked)]);
    // A daemon's children exit on their own once it is gone (no event reaches us: not our children).
    const deadline = Date.now() + 5000;
    let left = [...pids].filter((pid) => alive(pid));
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = left.filter((pid) => alive(pid));
    }
    for (const pid of left) process.kill(pid, "SIGKILL");
    if (left.length > 0) {
      const what = (pid: number) => starts.find((line) => line.pid === pid)?.model ?? commandLine(pid);
      throw new Error(`servers left running (killed now): ${left.map((pid) => `pid ${pid} (${what(pid)})`).join(", ")}`);
    }
  }
}

interface RunnerOptions {
  /** The provider of `model`; default the suite's backend. */
  provider?: Backend;
  /** A full model ref instead of `<provider>/<model>`. */
  model?: string;
  thinking?: string;
}


/** The harness for one e2e file: registers its set-up and clean-up hooks. */
export function useE2eSuite(options: SuiteOptions = {}): E2eSuite {
  const suite = new E2eSuite(options);
  jest.setTimeout(E2E_TIMEOUT_MS);
  beforeAll(() => suite.setUp());
  beforeEach(() => suite.beginTest());
  afterEach(() => suite.endTest());
  afterAll(() => suite.tearDown());
  return suite;
}

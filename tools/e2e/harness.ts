// The e2e test harness: one isolated OpenClaw host per test file (copied from the installed
// template), reset before each test to the file's baseline config, with runners for the CLI
// commands the tests use, emulated servers and gateways that are stopped after the test that
// started them, and a leak check scoped to what this file started (other users of the machine run
// emulators and OpenClaw too: nothing system-wide is looked at).
import { afterAll, afterEach, beforeAll, beforeEach, jest } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../net.ts";
import { alive, inferrsBin, OpenClawHost, type Gateway, type RunResult } from "../openclaw-host.ts";
import { type Emulator, type StartOptions, startEmulator } from "./emulator.ts";
import { hostTemplate } from "./template.ts";

type Json = Record<string, unknown>;
export type LogLine = ReturnType<OpenClawHost["requests"]>[number];

export const PROMPT = "What is 2 + 2?";
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
  /**
   * Install the plugin into this file's host instead of copying the template. For gateway files:
   * a gateway on a copied state dir failed to start twice under load ("state lease heartbeat did
   * not become ready") and it is not yet known whether the copy or the load caused it.
   */
  ownInstall?: boolean;
}

export interface PluginConfigOptions {
  /** service.env besides the emulator's request log. */
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
  private baseline = "";
  /** Request-log lines written before the current test. */
  private logStart = 0;
  private readonly emulators = new Set<Emulator>();
  private readonly gateways = new Set<Gateway>();
  private shared: Promise<Gateway> | undefined;
  private readonly tempDirs: string[] = [];

  private readonly options: SuiteOptions;

  constructor(options: SuiteOptions) {
    this.options = options;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Plugin config pointing at the emulator (request log on) on this file's port. */
  pluginConfig({ env = {}, service = {}, ...rest }: PluginConfigOptions = {}): Json {
    return {
      baseUrl: this.baseUrl,
      service: { command: inferrsBin, env: { INFERRS_EMU_REQUEST_LOG: this.host.requestLog, ...env }, ...service },
      ...rest,
    };
  }

  usePluginConfig(options: PluginConfigOptions = {}): void {
    this.host.setPluginConfig(this.pluginConfig(options));
  }

  /** Merges top-level keys into the host config. */
  updateConfig(update: Json): void {
    this.host.writeConfig({ ...this.host.readConfig(), ...update });
  }

  run(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
    return this.host.run(args, { timeoutMs: CLI_TIMEOUT_MS, ...options });
  }

  /** `openclaw infer model run --local --model inferrs/<model> --prompt … [--json]`. */
  inferRun(model: string, options: { env?: Record<string, string>; json?: boolean } = {}): Promise<RunResult> {
    const json = options.json === false ? [] : ["--json"];
    return this.run(["infer", "model", "run", "--local", "--model", `inferrs/${model}`, "--prompt", PROMPT, ...json], options);
  }

  /** `openclaw agent [--local] --model inferrs/<model> -m … --json` (through the gateway unless local). */
  agent(model: string, options: { local?: boolean; session?: string; thinking?: string; model?: string } = {}): Promise<RunResult> {
    return this.run([
      "agent",
      ...(options.local ? ["--local"] : []),
      "--model",
      options.model ?? `inferrs/${model}`,
      ...(options.session ? ["--session-id", options.session] : []),
      ...(options.thinking ? ["--thinking", options.thinking] : []),
      "-m",
      PROMPT,
      "--json",
    ]);
  }

  /** `openclaw models list --provider inferrs --refresh --json`. */
  modelsList(env: Record<string, string> = {}): Promise<RunResult> {
    return this.run(["models", "list", "--provider", "inferrs", "--refresh", "--json"], { env });
  }

  /** The emulator's request-log lines written during this test. */
  requests(): LogLine[] {
    return this.host.requests().slice(this.logStart);
  }

  /** `inferrs serve` starts during this test. */
  starts(): LogLine[] {
    return this.requests().filter((line) => line.event === "start");
  }

  /** Requests to `path` during this test (default: chat completions). */
  posts(path = "/v1/chat/completions"): LogLine[] {
    return this.requests().filter((line) => line.path === path);
  }

  /** An emulated server (as a user runs it: no request log), on this file's port by default; stopped after the test. */
  async startEmulator(options: StartOptions = {}): Promise<Emulator> {
    const emulator = await startEmulator({ port: this.port, hfHome: this.host.hfHome, ...options });
    this.emulators.add(emulator);
    return emulator;
  }

  /** A gateway on loopback for this test only; stopped after it. */
  async startGateway(env: Record<string, string> = {}): Promise<Gateway> {
    const gateway = await this.host.startGateway(await freePort(), env, E2E_TIMEOUT_MS);
    this.gateways.add(gateway);
    return gateway;
  }

  /**
   * The file's shared gateway, started (with the baseline config) by the first test that needs it
   * and kept for the next ones until a test stops it (then the next one starts another).
   */
  sharedGateway(): Promise<Gateway> {
    this.shared ??= freePort()
      .then((port) => this.host.startGateway(port, {}, E2E_TIMEOUT_MS))
      .then(
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
    this.host = await OpenClawHost.create({ template: this.options.ownInstall ? undefined : hostTemplate() });
    this.port = await freePort();
    if (this.options.pluginConfig) this.host.setPluginConfig(this.options.pluginConfig(this));
    if (this.options.config) this.updateConfig(this.options.config(this));
    this.baseline = JSON.stringify(this.host.readConfig());
  }

  beginTest(): void {
    // A running shared gateway reloads on a config change: write only what differs.
    if (JSON.stringify(this.host.readConfig()) !== this.baseline) this.host.writeConfig(JSON.parse(this.baseline) as Json);
    this.logStart = this.host.requests().length;
  }

  /** Stops what the test started and fails it if a server it caused outlived it. */
  async endTest(): Promise<void> {
    await this.stopStarted();
    // A shared gateway may keep its servers up for the next test: checked at the end of the file.
    if (!this.shared) this.expectStopped(this.starts());
  }

  async tearDown(): Promise<void> {
    if (!this.host) return;
    await this.stopStarted();
    await (await this.shared?.catch(() => undefined))?.stop();
    const starts = this.host.requests().filter((line) => line.event === "start");
    try {
      this.expectStopped(starts);
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
    for (const dir of this.tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }

  /** Servers OpenClaw started (their pids are in this host's request log) must be gone; a leak is killed and reported. */
  private expectStopped(starts: LogLine[]): void {
    const left = starts.filter((line) => line.pid !== undefined && alive(line.pid));
    for (const line of left) process.kill(line.pid!, "SIGKILL");
    if (left.length > 0) {
      throw new Error(`inferrs servers left running (killed now): ${left.map((line) => `pid ${line.pid} serving ${line.model}`).join(", ")}`);
    }
  }
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

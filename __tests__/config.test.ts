import { readFileSync } from "node:fs";
import { configJsonSchema } from "../src/config/plugin-schema.ts";
import { ConfigError, resolveConfig } from "../src/config/resolve.ts";

function errorOf(raw: unknown): string {
  try {
    resolveConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a config error");
}

describe("plugin config", () => {
  test("an empty config gets every documented default", () => {
    const config = resolveConfig(undefined);
    expect(config).toMatchObject({
      baseUrl: "http://127.0.0.1:8080/v1",
      origin: "http://127.0.0.1:8080",
      host: "127.0.0.1",
      port: 8080,
      loopback: true,
      apiKey: undefined,
      discoveryTimeoutMs: 2000,
      models: {},
      service: {
        autoStart: undefined,
        command: "inferrs",
        device: "auto",
        args: [],
        env: {},
        readyTimeoutMs: 180000,
        idleStopMs: 0,
      },
    });
  });

  test("a trailing slash on baseUrl is dropped and host and port come from it", () => {
    expect(resolveConfig({ baseUrl: "http://localhost:9123/v1/" })).toMatchObject({
      baseUrl: "http://localhost:9123/v1",
      host: "localhost",
      port: 9123,
      loopback: true,
    });
  });

  test("a wrong type names the key, the value and what is allowed", () => {
    expect(errorOf({ discoveryTimeoutMs: "soon" })).toBe(
      'plugins.entries.inferrs.config.discoveryTimeoutMs is "soon", but it must be an integer ≥ 50 and ≤ 60000.',
    );
    expect(errorOf({ service: { device: "gpu" } })).toBe(
      'plugins.entries.inferrs.config.service.device is "gpu", but it must be one of "auto", "cpu", "cuda", "rocm", "metal".',
    );
  });

  test("an unknown key lists the allowed ones", () => {
    expect(errorOf({ service: { autostart: true } })).toBe(
      'plugins.entries.inferrs.config.service has an unknown key "autostart". Allowed keys: autoStart, command, device, args, env, readyTimeoutMs, idleStopMs, maxServers, preload.',
    );
  });

  test("model overrides are addressed by their id", () => {
    expect(errorOf({ models: { "google/gemma-4-E2B-it": { input: ["text", "audio"] } } })).toBe(
      'plugins.entries.inferrs.config.models["google/gemma-4-E2B-it"].input[1] is "audio", but it must be one of "text", "image".',
    );
  });

  test("secrets are never echoed in errors", () => {
    expect(errorOf({ apiKey: "" })).not.toContain('""');
    expect(errorOf({ service: { env: { HF_TOKEN: 42 } } })).toContain("<redacted>");
  });

  test("autoStart with a non-loopback baseUrl is refused with the reason", () => {
    expect(errorOf({ baseUrl: "http://192.168.1.20:8080/v1", service: { autoStart: true } })).toMatch(
      /service\.autoStart is true but baseUrl http:\/\/192\.168\.1\.20:8080\/v1 is not a loopback address/,
    );
    expect(resolveConfig({ baseUrl: "http://192.168.1.20:8080/v1" }).loopback).toBe(false);
  });

  test("baseUrl must be an http(s) URL", () => {
    expect(errorOf({ baseUrl: "127.0.0.1:8080" })).toMatch(/not a base URL|only http/);
    expect(errorOf({ baseUrl: "ftp://127.0.0.1/v1" })).toMatch(/only http:\/\/ and https:\/\//);
  });

  test("baseUrl with credentials, a query or a fragment is refused, and no credential is ever quoted (case 3)", () => {
    const credentials = errorOf({ baseUrl: "http://user:hunter2-secret@127.0.0.1:8080/v1" });
    expect(credentials).toBe(
      'plugins.entries.inferrs.config.baseUrl is "http://<redacted>@127.0.0.1:8080/v1": remove the user name and password from it ' +
        "(inferrs has no auth; set plugins.entries.inferrs.config.apiKey if a proxy in front of it needs a bearer token).",
    );
    expect(errorOf({ baseUrl: "http://127.0.0.1:8080/v1?x=1" })).toMatch(/remove the query or fragment\.$/);
    expect(errorOf({ baseUrl: "http://127.0.0.1:8080/v1#top" })).toMatch(/remove the query or fragment\.$/);
    expect(errorOf({ baseUrl: "not a url" })).toContain("which is not a base URL");
    expect(errorOf({ baseUrl: "user:hunter2-secret@127.0.0.1" })).not.toContain("hunter2");
  });

  test("the manifest's JSON Schema refuses the same base URLs (so `openclaw config validate` does) (case 7)", () => {
    const pattern = new RegExp((configJsonSchema() as any).properties.baseUrl.pattern);
    for (const refused of ["not a url", "ftp://127.0.0.1:8080/v1", "http://u:p@127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1?x", "http://h/v1#f"]) {
      expect({ refused, schema: pattern.test(refused) }).toEqual({ refused, schema: false });
      expect(() => resolveConfig({ baseUrl: refused })).toThrow(ConfigError);
    }
    for (const accepted of ["http://127.0.0.1:8080/v1", "https://inferrs.example/v1", "http://[::1]:8080/v1"]) {
      expect({ accepted, schema: pattern.test(accepted) }).toEqual({ accepted, schema: true });
      expect(resolveConfig({ baseUrl: accepted }).baseUrl).toBe(accepted);
    }
  });

  test("timer settings past 2^31 - 1 ms, which Node's timers cannot hold, are refused (case 4)", () => {
    expect(errorOf({ service: { idleStopMs: 3000000000 } })).toBe(
      "plugins.entries.inferrs.config.service.idleStopMs is 3000000000, but it must be an integer ≥ 0 and ≤ 2147483647.",
    );
    expect(errorOf({ service: { readyTimeoutMs: 2147483648 } })).toContain("≤ 2147483647");
    expect(resolveConfig({ service: { idleStopMs: 2147483647 } }).service.idleStopMs).toBe(2147483647);
    const service = (configJsonSchema() as any).properties.service.properties;
    expect([service.idleStopMs.maximum, service.readyTimeoutMs.maximum]).toEqual([2147483647, 2147483647]);
  });

  test("the manifest's configSchema is the TypeBox schema (run `npm run manifest` after changing it)", () => {
    const manifest = JSON.parse(readFileSync(new URL("../openclaw.plugin.json", import.meta.url), "utf8"));
    expect(manifest.configSchema).toEqual(configJsonSchema());
  });
});

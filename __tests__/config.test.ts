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

  test("every timer value in the schema, per model too, is refused past 2^31 - 1 ms with the key", () => {
    expect(errorOf({ models: { "m/x": { idleStopMs: 3000000000 } } })).toBe(
      'plugins.entries.inferrs.config.models["m/x"].idleStopMs is 3000000000, but it must be an integer ≥ 0 and ≤ 2147483647.',
    );
    // Every integer whose key ends in Ms, wherever it is in the manifest's JSON Schema, has the bound.
    const timers: string[] = [];
    const walk = (schema: any, path: string): void => {
      if (!schema || typeof schema !== "object") return;
      if (schema.type === "integer" && /Ms$/.test(path)) {
        timers.push(path);
        expect({ path, maximum: schema.maximum <= 2147483647 }).toEqual({ path, maximum: true });
      }
      for (const [key, child] of Object.entries(schema.properties ?? {})) walk(child, path ? `${path}.${key}` : key);
      for (const child of Object.values(schema.patternProperties ?? {})) walk(child, `${path}.<id>`);
    };
    walk(configJsonSchema(), "");
    expect(timers).toEqual(expect.arrayContaining(["service.idleStopMs", "service.readyTimeoutMs", "models.<id>.idleStopMs"]));
  });

  test("server flags the plugin sets itself are refused in service.args and models.<id>.args, with the key and the reason", () => {
    const owned = "the plugin sets --host, --port, --device itself (from baseUrl and service.device); remove it.";
    expect(errorOf({ service: { args: ["--port", "9000"] } })).toBe(
      `plugins.entries.inferrs.config.service.args[0] is "--port", which is refused: ${owned}`,
    );
    expect(errorOf({ models: { "a/b": { args: ["--max-seq-len", "8192", "--host", "0.0.0.0"] } } })).toBe(
      `plugins.entries.inferrs.config.models["a/b"].args[2] is "--host", which is refused: ${owned}`,
    );
    expect(errorOf({ service: { args: ["--port=9000"] } })).toContain("service.args[0] is \"--port=9000\", which is refused");
    expect(errorOf({ service: { args: ["--device=cpu"] } })).toContain("service.args[0] is \"--device=cpu\", which is refused");
    expect(errorOf({ models: { "a/b": { args: ["--"] } } })).toBe(
      'plugins.entries.inferrs.config.models["a/b"].args[0] is "--", which is refused: the plugin puts the model after `--` itself; remove it.',
    );
    expect(resolveConfig({ service: { args: ["--max-seq-len", "8192", "--ports-like-flag", "--paged-attention=0.5"] } }).service.args).toHaveLength(4);
  });

  test("models keys that are flags or not model ids, and preload entries that are flags or paths, are refused with the reason", () => {
    expect(errorOf({ models: { "--help": {} } })).toBe(
      'plugins.entries.inferrs.config.models has the key "--help", which it refuses: a model id never starts with "-" (the server would read it as a flag).',
    );
    expect(errorOf({ models: { "a b": {} } })).toContain("a model id has no spaces, backslashes or control characters");
    expect(errorOf({ models: { "": {} } })).toContain('has the key "", which it refuses: a model id is not empty');
    expect(errorOf({ service: { preload: ["--help"] } })).toBe(
      'plugins.entries.inferrs.config.service.preload[0] is "--help", which is refused: a model id never starts with "-" (the server would read it as a flag).',
    );
    for (const path of ["/etc/passwd", "../x", "~/models/x", "./m", "a/../b"]) {
      expect(errorOf({ service: { preload: [path] } })).toContain("which is refused: it is a file path, and only model ids are allowed here.");
    }
    // A local model is still configured by its path, and preload takes ids of any shape inferrs serves.
    expect(Object.keys(resolveConfig({ models: { "/srv/models/gemma": {} } }).models)).toEqual(["/srv/models/gemma"]);
    expect(resolveConfig({ service: { preload: ["google/gemma-4-E2B-it", "ai/smollm2:latest"] } }).service.preload).toHaveLength(2);
  });

  test("a baseUrl with port 0 is refused with the reason", () => {
    expect(errorOf({ baseUrl: "http://127.0.0.1:0/v1" })).toBe(
      "plugins.entries.inferrs.config.baseUrl is \"http://127.0.0.1:0/v1\": port 0 is no server's port; name the port inferrs listens on, e.g. http://127.0.0.1:8080/v1.",
    );
  });

  test("the manifest's JSON Schema refuses what the plugin owns, as OpenClaw's validator reads it (unicode patterns)", () => {
    const schema = configJsonSchema() as any;
    const matches = (pattern: string, value: string) => new RegExp(pattern, "u").test(value);
    const argPattern = schema.properties.service.properties.args.items.pattern;
    const modelSchema = schema.properties.models;
    expect(modelSchema.additionalProperties).toBe(false);
    const [keyPattern] = Object.keys(modelSchema.patternProperties);
    const modelArgPattern = (Object.values(modelSchema.patternProperties)[0] as any).properties.args.items.pattern;
    const preloadPattern = schema.properties.service.properties.preload.items.pattern;
    for (const arg of ["--port", "--port=1", "--host", "--device=cpu", "--"]) {
      expect({ arg, service: matches(argPattern, arg), model: matches(modelArgPattern, arg) }).toEqual({ arg, service: false, model: false });
    }
    expect(matches(argPattern, "--max-seq-len")).toBe(true);
    for (const key of ["--help", "", "a b"]) expect({ key, ok: matches(keyPattern!, key) }).toEqual({ key, ok: false });
    for (const entry of ["--help", "/etc/passwd", "../x", "~/x"]) expect({ entry, ok: matches(preloadPattern, entry) }).toEqual({ entry, ok: false });
    expect(matches(schema.properties.baseUrl.pattern, "http://127.0.0.1:0/v1")).toBe(false);
  });

  test("a refused baseUrl never echoes its query, fragment or user info", () => {
    for (const baseUrl of ["http://127.0.0.1:8080/v1?k=Passw0rdSecretZ", "http://127.0.0.1:8080/v1#Passw0rdSecretZ", "http://me:Passw0rdSecretZ@127.0.0.1:8080/v1"]) {
      const message = errorOf({ baseUrl });
      expect(message).not.toContain("Passw0rdSecretZ");
      expect(message).toContain("<redacted>");
    }
  });

  test("the manifest's configSchema is the TypeBox schema (run `npm run manifest` after changing it)", () => {
    const manifest = JSON.parse(readFileSync(new URL("../openclaw.plugin.json", import.meta.url), "utf8"));
    expect(manifest.configSchema).toEqual(configJsonSchema());
  });
});

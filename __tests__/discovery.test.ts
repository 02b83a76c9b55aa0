import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolveConfig } from "../src/config/resolve.ts";
import { discoverModels } from "../src/inferrs/discovery/catalog.ts";
import { DiscoveryError, parseModelList } from "../src/inferrs/discovery/server-models.ts";

const URL = "http://127.0.0.1:8080/v1/models";
const noCache = { HF_HOME: "/nonexistent-hf-home" };

describe("parsing GET /v1/models", () => {
  test("keeps every id and finds the loaded one", () => {
    const body = JSON.stringify({
      object: "list",
      data: [
        { id: "Qwen/Qwen3.5-0.8B", object: "model", created: 1, owned_by: "inferrs" },
        { id: "google/gemma-4-E2B-it", object: "model", created: 1, owned_by: "inferrs (loaded)" },
      ],
    });
    expect(parseModelList(body, URL)).toEqual({
      ids: ["Qwen/Qwen3.5-0.8B", "google/gemma-4-E2B-it"],
      loaded: "google/gemma-4-E2B-it",
      warnings: [],
    });
  });

  test("drops empty, non-string and duplicate ids with a warning, keeping the valid ones", () => {
    const body = JSON.stringify({ data: [{ id: "a/b" }, { id: "" }, { id: 7 }, null, { id: "a/b" }, { id: " c/d " }] });
    expect(parseModelList(body, URL)).toEqual({
      ids: ["a/b", "c/d"],
      loaded: undefined,
      warnings: [`GET ${URL}: skipped 3 entries without a valid "id"`, `GET ${URL}: skipped 1 duplicate ids`],
    });
  });

  test("malformed JSON and wrong shapes are DiscoveryErrors that quote what came back", () => {
    expect(() => parseModelList("<html>", URL)).toThrow(DiscoveryError);
    expect(() => parseModelList("<html>", URL)).toThrow(/returned invalid JSON: "<html>"/);
    expect(() => parseModelList('{"models":[]}', URL)).toThrow(/without a "data" list/);
  });

  test("a huge list is cut to 5000 with a warning", () => {
    const data = Array.from({ length: 6000 }, (_, i) => ({ id: `org/m${i}` }));
    const listed = parseModelList(JSON.stringify({ data }), URL);
    expect(listed.ids).toHaveLength(5000);
    expect(listed.warnings).toEqual([`GET ${URL} listed 6000 models; keeping the first 5000`]);
  });
});

describe("discovery against a server", () => {
  let server: Server;
  let respond: (res: import("node:http").ServerResponse) => void;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((_req, res) => respond(res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test("lists the served models and the configured ones", async () => {
    respond = (res) => res.end(JSON.stringify({ data: [{ id: "google/gemma-4-E2B-it", owned_by: "inferrs (loaded)" }] }));
    const found = await discoverModels(resolveConfig({ baseUrl, models: { "my/model": { contextWindow: 2048 } } }), noCache);
    expect(found.reachable).toBe(true);
    expect(found.warnings).toEqual([]);
    expect(found.models.map((model) => [model.id, model.contextWindow])).toEqual([
      ["google/gemma-4-E2B-it", 131072],
      ["my/model", 2048],
    ]);
  });

  test("a server that accepts and never answers costs discoveryTimeoutMs, then the cache is listed", async () => {
    respond = () => undefined;
    const started = Date.now();
    const found = await discoverModels(resolveConfig({ baseUrl, discoveryTimeoutMs: 300 }), noCache);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(found.reachable).toBe(false);
    expect(found.warnings[0]).toMatch(/did not answer within 300 ms/);
  });

  test("an HTTP error names the status", async () => {
    respond = (res) => {
      res.statusCode = 404;
      res.end();
    };
    const found = await discoverModels(resolveConfig({ baseUrl }), noCache);
    expect(found.warnings[0]).toMatch(/answered HTTP 404, which inferrs never does: check that baseUrl points at inferrs and ends in \/v1\. Listing/);
  });

  test("with the server down the warning names the URL and the fix, and an empty result says why", async () => {
    const found = await discoverModels(resolveConfig({ baseUrl: "http://127.0.0.1:9/v1" }), noCache);
    expect(found.reachable).toBe(false);
    expect(found.models).toEqual([]);
    expect(found.warnings[0]).toMatch(
      /cannot reach inferrs at http:\/\/127\.0\.0\.1:9\/v1\/models \(connection refused\)\. .*inferrs serve <model> --host 127\.0\.0\.1 --port 9/,
    );
    expect(found.warnings[1]).toMatch(/No inferrs models found/);
  });
});

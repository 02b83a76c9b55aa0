// Server-supplied text (model ids, error bodies, output, record files) never reaches a terminal
// raw: one escaping helper for every message that shows it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasUnsafeText, printable, printableLines, terminalJson } from "../src/cli/printable.ts";
import { resolveConfig } from "../src/config/resolve.ts";
import { formatStatus, type StatusReport } from "../src/inferrs/cli/status.ts";
import { runStop } from "../src/inferrs/cli/stop.ts";
import { parseModelList } from "../src/inferrs/discovery/server-models.ts";
import { foreignModel, loadFailed } from "../src/inferrs/server/errors.ts";
import { OutputTail } from "../src/service/output-tail.ts";

const EVIL = "evil/\u001b]0;PWNED-TITLE\u0007\u001b[2J\u001b[31mRED-MODEL\u001b[0m";
const SHOWN = "evil/\\x1b]0;PWNED-TITLE\\x07\\x1b[2J\\x1b[31mRED-MODEL\\x1b[0m";
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

test("printable escapes every control character and bidi override; printableLines keeps newlines and tabs", () => {
  expect(printable(EVIL)).toBe(SHOWN);
  expect(printable("a\nb\tc\u009b\u202e")).toBe("a\\x0ab\\x09c\\x9b\\u202e");
  expect(printableLines("a\nb\tc\u001b[2J")).toBe("a\nb\tc\\x1b[2J");
  expect(printable("google/gemma-4-E2B-it · ünïcode")).toBe("google/gemma-4-E2B-it · ünïcode");
  expect([hasUnsafeText(EVIL), hasUnsafeText("Qwen/Qwen3-0.6B")]).toEqual([true, false]);
});

test("JSON for a terminal is the same document with DEL, C1 and bidi characters \\u-escaped", () => {
  const value = { model: "a\u009b2J\u202eb\u001b", n: 1 };
  const text = terminalJson(value);
  expect(text).not.toMatch(RAW);
  expect(JSON.parse(text)).toEqual(value);
});

test("discovery drops a listed model id with escapes, with a warning, and never marks it as served", () => {
  const body = JSON.stringify({
    object: "list",
    data: [
      { id: EVIL, object: "model", owned_by: "inferrs (loaded)" },
      { id: "google/gemma-4-E2B-it", object: "model", owned_by: "inferrs" },
    ],
  });
  const listed = parseModelList(body, "http://127.0.0.1:8080/v1/models");
  expect(listed.ids).toEqual(["google/gemma-4-E2B-it"]);
  expect(listed.loaded).toBeUndefined();
  expect(listed.warnings).toEqual([
    "GET http://127.0.0.1:8080/v1/models: skipped 1 model ids that look like flags or local paths or contain control characters " +
      "(a local model is served only when its path is named under plugins.entries.inferrs.config.models)",
  ]);
});

test("openclaw inferrs status shows a model id with escapes (from a record or a server) escaped", () => {
  const report: StatusReport = {
    baseUrl: "http://127.0.0.1:8080/v1",
    command: { configured: "inferrs", resolved: "/usr/bin/inferrs" },
    autoStart: { enabled: true, reason: null },
    device: "cpu",
    maxServers: 1,
    health: "down",
    detail: "\u001b[2Jgone",
    servedModel: EVIL,
    servers: [
      {
        model: EVIL,
        baseUrl: "http://127.0.0.1:8080/v1",
        port: 8080,
        pid: 42,
        state: "ready",
        startedBy: "orphan",
        ownerPid: 7,
        embedding: false,
        inflight: 0,
        idleSeconds: 1,
        uptimeSeconds: 2,
      },
    ],
  };
  const text = formatStatus(report);
  expect(text).not.toMatch(RAW);
  expect(text).toContain(SHOWN);
  expect(text).toContain("down (\\x1b[2Jgone)");
});

test("request errors show the server's model id, load error and output escaped", () => {
  const config = resolveConfig({});
  const foreign = foreignModel(config, EVIL, "google/gemma-4-E2B-it", { startedBy: "user" });
  expect(foreign.message).not.toMatch(RAW);
  expect(foreign.message).toContain(`serves ${SHOWN}`);
  const tail = new OutputTail();
  tail.push("\u001b[31mloading\u001b[0m\n\u001b]0;PWNED\u0007title\n");
  expect(tail.text()).toBe("loading\n\\x1b]0;PWNED\\x07title");
  const failed = loadFailed("m/x", "Model load failed: \u001b[2J", tail.text());
  expect(failed.message).not.toMatch(RAW);
  expect(failed.message).toContain("Model load failed: \\x1b[2J");
});

describe("openclaw inferrs stop", () => {
  const dirs: string[] = [];
  const stateDir = () => dirs[dirs.push(mkdtempSync(join(tmpdir(), "inferrs-stop-"))) - 1]!;
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  test("an empty model is refused with a clear message before any server is looked up", async () => {
    for (const model of ["", "   "]) {
      expect(await runStop(stateDir(), model)).toEqual({
        lines: [
          "openclaw inferrs stop: the model is empty. Name the model to stop (as `openclaw inferrs status` lists it), " +
            "or give none to stop every inferrs server OpenClaw started.",
        ],
        exitCode: 1,
      });
    }
  });

  test("a model argument with terminal escapes is echoed escaped", async () => {
    const outcome = await runStop(stateDir(), EVIL);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.lines.join("\n")).not.toMatch(RAW);
    expect(outcome.lines[0]).toBe(`No inferrs server started by OpenClaw serves ${SHOWN}. A server you run yourself is never stopped by OpenClaw.`);
  });
});

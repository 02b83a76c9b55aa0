// `npm start`: the real OpenClaw CLI with the plugin installed in a throw-away state, against a
// real `inferrs` / `llmman` on PATH, or else the project's emulators. For inferrs: onboards (no key),
// which prints the models found, then one answer. For llmman: the models found (through a gateway), then one answer with
// the daemon started on demand (its progress lines shown) and nothing left running after.
import { join } from "node:path";
import { resolveCommand } from "../src/service/command.ts";
import { GEMMA4_E2B, HF_QWEN35_08B, EMBEDDINGGEMMA } from "../tools/emulator/llmman/catalog.ts";
import { llmmanBin } from "../tools/emulator/llmman/harness.ts";
import { seedLlmmanStore } from "../tools/emulator/llmman/store.ts";
import { freePort } from "../tools/net.ts";
import { inferrsBin, OpenClawHost, packPlugin } from "../tools/openclaw-host.ts";

const MODEL = process.env.INFERRS_MODEL ?? "google/gemma-4-E2B-it";
const LLMMAN_MODEL = process.env.LLMMAN_MODEL ?? "qwen3.5:0.8b";
const PROMPT = "What is 2 + 2?";
const realInferrs = resolveCommand("inferrs", process.env);
const realLlmman = resolveCommand("llmman", process.env);

type Run = { code: number | null; stdout: string; stderr: string; ms: number };

function show(command: string, result: Run, stderrLines?: RegExp): void {
  console.log(`\n$ ${command}    (${(result.ms / 1000).toFixed(1)} s)`);
  if (stderrLines) {
    const lines = result.stderr.split("\n").filter((line) => stderrLines.test(line));
    if (lines.length) process.stdout.write(`${lines.map((line) => `  ${line.trim()}`).join("\n")}\n`);
  }
  process.stdout.write(result.stdout);
  if (result.code !== 0) {
    process.stdout.write(result.stderr);
    throw new Error(`${command} failed with exit code ${result.code}`);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

console.log(
  realInferrs
    ? `inferrs: the real inferrs at ${realInferrs} (your Hugging Face cache, http://127.0.0.1:8080/v1).`
    : "inferrs: none on PATH, using the project's emulator (tools/bin/inferrs) with a seeded model cache.",
);
console.log(
  realLlmman
    ? `llmman: the real llmman at ${realLlmman} (its own store, http://127.0.0.1:17434/v1).`
    : `llmman: none on PATH, using the project's emulator (tools/bin/llmman) with a store seeded in the throw-away dir (without ${LLMMAN_MODEL}: it is pulled).`,
);
packPlugin();
const host = await OpenClawHost.create({ realHfCache: Boolean(realInferrs) });
try {
  console.log(`OpenClaw state for this run: ${host.dir} (removed at the end)`);
  console.log("$ openclaw plugins install npm-pack:.tmp/openclaw-inferrs.tgz --force --accept-capabilities    (done)");
  const llmmanPort = realLlmman ? 17434 : await freePort();
  const llmman = realLlmman
    ? {}
    : {
        baseUrl: `http://127.0.0.1:${llmmanPort}/v1`,
        service: { command: llmmanBin, env: { LLMMAN_MODELS: join(host.dir, "llmman-store"), LLMMAN_EMU_LOAD_MS: "3000" } },
      };
  if (!realLlmman) seedLlmmanStore(join(host.dir, "llmman-store"), [GEMMA4_E2B, HF_QWEN35_08B, EMBEDDINGGEMMA]);
  if (!realInferrs) host.setPluginConfig({ service: { command: inferrsBin } });
  const baseUrl = realInferrs ? "http://127.0.0.1:8080/v1" : `http://127.0.0.1:${await freePort()}/v1`;

  console.log("\n## inferrs");
  // No key step: onboarding points the plugin at inferrs and picks a default model.
  show(
    `openclaw onboard --non-interactive --accept-risk --auth-choice inferrs --inferrs-base-url ${baseUrl} --skip-health`,
    await host.run(
      ["onboard", "--non-interactive", "--accept-risk", "--auth-choice", "inferrs", "--inferrs-base-url", baseUrl, "--skip-health"],
      { timeoutMs: 300_000 },
    ),
  );
  show(
    `openclaw infer model run --local --model inferrs/${MODEL} --prompt "${PROMPT}"`,
    await host.run(["infer", "model", "run", "--local", "--model", `inferrs/${MODEL}`, "--prompt", PROMPT], { timeoutMs: 600_000 }),
  );
  console.log("\ninferrs was started for the request and stopped when the CLI exited.");

  console.log("\n## llmman");
  // Beside what onboarding wrote: plugins.entries.inferrs.config.llmman.
  const config = host.readConfig() as { plugins: { entries: { inferrs: { config?: Record<string, unknown> } } }; agents?: unknown };
  config.plugins.entries.inferrs.config = { ...config.plugins.entries.inferrs.config, llmman };
  host.writeConfig(config);
  const daemonWasUp = await answers(`http://127.0.0.1:${llmmanPort}/api/version`);
  // Live discovery runs in a gateway (the CLI alone asks a key-less provider for nothing) once an
  // llmman model is the default. With the daemon down it lists llmman's store, starting nothing.
  config.agents = { defaults: { model: { primary: `llmman/${LLMMAN_MODEL}` } } };
  host.writeConfig(config);
  const gatewayPort = await freePort();
  console.log(`\n$ openclaw gateway run --bind loopback --port ${gatewayPort}    (started, stopped after the list)`);
  const gateway = await host.startGateway(gatewayPort, {}, 600_000);
  try {
    show(
      "openclaw models list --provider llmman --refresh",
      await host.run(["models", "list", "--provider", "llmman", "--refresh"], { timeoutMs: 300_000 }),
    );
  } finally {
    await gateway.stop();
  }
  show(
    `openclaw infer model run --local --model llmman/${LLMMAN_MODEL} --prompt "${PROMPT}"`,
    await host.run(["infer", "model", "run", "--local", "--model", `llmman/${LLMMAN_MODEL}`, "--prompt", PROMPT], { timeoutMs: 600_000 }),
    /\[plugins\] llmman: /,
  );
  if (daemonWasUp) console.log("\nllmman was already running: the plugin used it as it is and left it running.");
  else if (await answers(`http://127.0.0.1:${llmmanPort}/api/version`)) throw new Error(`llmman still answers at port ${llmmanPort} after the CLI exited`);
  else console.log(`\nllmman serve was started for the request and stopped when the CLI exited (nothing answers at 127.0.0.1:${llmmanPort}).`);
} finally {
  await host.dispose();
}

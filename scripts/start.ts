// `npm start`: the real OpenClaw CLI with the plugin installed in a throw-away state, against a
// real `inferrs` on PATH or else the project's emulator. Onboards (no key), which prints the models
// found, then prints one answer.
import { resolveCommand } from "../src/service/command.ts";
import { freePort } from "../tools/net.ts";
import { inferrsBin, OpenClawHost, packPlugin } from "../tools/openclaw-host.ts";

const MODEL = process.env.INFERRS_MODEL ?? "google/gemma-4-E2B-it";
const realInferrs = resolveCommand("inferrs", process.env);

function show(command: string, result: { code: number | null; stdout: string; stderr: string; ms: number }): void {
  console.log(`\n$ ${command}    (${(result.ms / 1000).toFixed(1)} s)`);
  process.stdout.write(result.stdout);
  if (result.code !== 0) {
    process.stdout.write(result.stderr);
    throw new Error(`${command} failed with exit code ${result.code}`);
  }
}

console.log(
  realInferrs
    ? `Using the real inferrs at ${realInferrs} (your Hugging Face cache, http://127.0.0.1:8080/v1).`
    : "No `inferrs` on PATH: using the project's emulator (tools/bin/inferrs) with a seeded model cache.",
);
packPlugin();
const host = await OpenClawHost.create({ realHfCache: Boolean(realInferrs) });
try {
  console.log(`OpenClaw state for this run: ${host.dir} (removed at the end)`);
  console.log("$ openclaw plugins install npm-pack:.tmp/openclaw-inferrs.tgz --force --accept-capabilities    (done)");
  if (!realInferrs) host.setPluginConfig({ service: { command: inferrsBin } });
  const baseUrl = realInferrs ? "http://127.0.0.1:8080/v1" : `http://127.0.0.1:${await freePort()}/v1`;

  // No key step: onboarding points the plugin at inferrs and picks a default model.
  show(
    `openclaw onboard --non-interactive --accept-risk --auth-choice inferrs --inferrs-base-url ${baseUrl} --skip-health`,
    await host.run(
      ["onboard", "--non-interactive", "--accept-risk", "--auth-choice", "inferrs", "--inferrs-base-url", baseUrl, "--skip-health"],
      { timeoutMs: 300_000 },
    ),
  );
  const prompt = "What is 2 + 2?";
  show(
    `openclaw infer model run --local --model inferrs/${MODEL} --prompt "${prompt}"`,
    await host.run(["infer", "model", "run", "--local", "--model", `inferrs/${MODEL}`, "--prompt", prompt], {
      timeoutMs: 600_000,
    }),
  );
  console.log("\ninferrs was started for the request and stopped when the CLI exited.");
} finally {
  await host.dispose();
}

// Registers `openclaw llmman status [--json]` and `openclaw llmman stop [model]`, beside a running
// gateway or without one.
import { terminalJson } from "../../cli/printable.ts";
import type { OpenClawPluginApi } from "../../host-types.ts";
import { stateDir } from "../../service/pid-record.ts";
import { stopStartedDaemon } from "../daemon/control.ts";
import { sharedLlmmanDaemons } from "../daemon/supervisor.ts";
import { llmmanConfigLoader } from "../provider.ts";
import { collectLlmmanStatus, formatLlmmanStatus } from "./status.ts";
import { unloadModel } from "./stop.ts";

export function registerLlmmanCli(api: OpenClawPluginApi): void {
  const loadConfig = llmmanConfigLoader(api.pluginConfig);
  const daemons = () => sharedLlmmanDaemons({ env: process.env, stateDir: stateDir() });
  api.registerCli(
    ({ program, config }) => {
      const llmman = program.command("llmman").description("llmman model daemon");
      llmman
        .command("status")
        .description("Show the llmman daemon (version, pid, who started it), its loaded models (context, processor, node, until when) and stored models")
        .option("--json", "print JSON")
        .action(async (options: { json?: boolean }) => {
          const status = await collectLlmmanStatus(await loadConfig(config), process.env, stateDir(), daemons());
          // With --json the host routes console.log to stderr: write the document to stdout.
          process.stdout.write(`${options.json ? terminalJson(status) : formatLlmmanStatus(status)}\n`);
        });
      llmman
        .command("stop [model]")
        .description("Unload <model> (keep_alive 0), or with no model stop the daemon if OpenClaw started it; never a daemon you run")
        .action(async (model: string | undefined) => {
          const resolved = await loadConfig(config);
          const result = model
            ? await unloadModel(resolved, process.env, model)
            : await stopStartedDaemon(resolved, stateDir(), daemons());
          process.stdout.write(`${result.message}\n`);
          if (!("stopped" in result ? result.stopped : result.unloaded)) process.exitCode = 1;
        });
    },
    { descriptors: [{ name: "llmman", description: "llmman model daemon", hasSubcommands: true }] },
  );
}

// Registers `openclaw inferrs status [--json]` and `openclaw inferrs stop [model]`.
import type { OpenClawPluginApi } from "../../host-types.ts";
import { configLoader } from "../provider.ts";
import { stopOwnedServers } from "../../service/owned-servers.ts";
import { stateDir } from "../../service/pid-record.ts";
import { sharedSupervisor } from "../pool/supervisor.ts";
import { sameModel } from "../server/probe.ts";
import { collectStatus, formatStatus } from "./status.ts";

export function registerInferrsCli(api: OpenClawPluginApi): void {
  const loadConfig = configLoader(api.pluginConfig);
  api.registerCli(
    ({ program, config }) => {
      const inferrs = program.command("inferrs").description("inferrs local model server");
      inferrs
        .command("status")
        .description("List the inferrs servers: model, port, state, requests in flight, idle time, who started them")
        .option("--json", "print JSON")
        .action(async (options: { json?: boolean }) => {
          const supervisor = sharedSupervisor({ env: process.env, stateDir: stateDir() });
          const report = await collectStatus(await loadConfig(config), process.env, stateDir(), supervisor);
          // With --json the host routes console.log to stderr: write the document to stdout.
          process.stdout.write(`${options.json ? JSON.stringify(report, null, 2) : formatStatus(report)}\n`);
        });
      inferrs
        .command("stop [model]")
        .description("Stop the inferrs servers OpenClaw started (all, or the one serving <model>); never a server you run")
        .action(async (model: string | undefined) => {
          const stopped = await stopOwnedServers(stateDir(), model === undefined ? undefined : (record) => sameModel(record.model, model));
          for (const record of stopped) {
            process.stdout.write(`Stopped inferrs serving ${record.model} (pid ${record.pid}, port ${record.port}).\n`);
          }
          if (stopped.length === 0) {
            process.stdout.write(
              `No inferrs server started by OpenClaw ${model ? `serves ${model}` : "is running"}. ` +
                "A server you run yourself is never stopped by OpenClaw.\n",
            );
            if (model) process.exitCode = 1;
          }
        });
    },
    { descriptors: [{ name: "inferrs", description: "inferrs local model server", hasSubcommands: true }] },
  );
}

// `openclaw inferrs stop [model]`: what it says and its exit code. The model argument comes from
// the user's shell: an empty one is refused (it would match nothing while a server runs), and it
// is echoed escaped.
import { printable } from "../../cli/printable.ts";
import { stopOwnedServers } from "../../service/owned-servers.ts";
import { sameModel } from "../server/probe.ts";

export type StopOutcome = { lines: string[]; exitCode: 0 | 1 };

export async function runStop(stateDir: string, model: string | undefined): Promise<StopOutcome> {
  if (model !== undefined && !model.trim()) {
    return {
      lines: [
        "openclaw inferrs stop: the model is empty. Name the model to stop (as `openclaw inferrs status` lists it), " +
          "or give none to stop every inferrs server OpenClaw started.",
      ],
      exitCode: 1,
    };
  }
  const stopped = await stopOwnedServers(stateDir, model === undefined ? undefined : (record) => sameModel(record.model, model));
  const lines = stopped.map(
    (record) => `Stopped inferrs serving ${printable(record.model)} (pid ${record.pid}, port ${record.port}).`,
  );
  if (stopped.length > 0) return { lines, exitCode: 0 };
  return {
    lines: [
      `No inferrs server started by OpenClaw ${model ? `serves ${printable(model)}` : "is running"}. ` +
        "A server you run yourself is never stopped by OpenClaw.",
    ],
    exitCode: model ? 1 : 0,
  };
}

// Finds a server's executable (inferrs, llmman): an absolute path as is, a bare name on PATH.
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

export type CommandProblem = "relative" | "not-found" | "not-on-path" | "not-a-file" | "not-executable";

export type CommandLookup = { path: string } | { path?: undefined; problem: CommandProblem };

/** The executable's absolute path, or why there is none. */
export function lookUpCommand(command: string, env: NodeJS.ProcessEnv = process.env): CommandLookup {
  if (isAbsolute(command)) {
    const problem = fileProblem(command);
    return problem ? { problem } : { path: command };
  }
  if (command.includes("/")) return { problem: "relative" }; // depends on the cwd: refuse it
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, command);
    if (!fileProblem(candidate)) return { path: candidate };
  }
  return { problem: "not-on-path" };
}

export function resolveCommand(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return lookUpCommand(command, env).path;
}

function fileProblem(path: string): "not-found" | "not-a-file" | "not-executable" | undefined {
  try {
    if (!statSync(path).isFile()) return "not-a-file";
  } catch {
    return "not-found";
  }
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return "not-executable";
  }
}

/** Why the configured command cannot be run, naming the config key that fixes it. */
export function commandProblem(command: string, problem: CommandProblem, target: { key: string; product: string }): string {
  const name = JSON.stringify(command);
  const { key, product } = target;
  switch (problem) {
    case "relative":
      return `the command ${name} is a relative path, which would depend on the working directory; set ${key} to an absolute path or a bare name on PATH`;
    case "not-on-path":
      return `the command ${name} was not found on PATH; install ${product} or set ${key} to its absolute path`;
    case "not-found":
      return `the command ${name} does not exist; install ${product} or set ${key} to its absolute path`;
    case "not-a-file":
      return `the command ${name} is a directory, not an executable file; set ${key} to the ${product} executable`;
    case "not-executable":
      return `the command ${name} is not executable by this user; run \`chmod +x ${command}\` or set ${key} to the ${product} executable`;
  }
}

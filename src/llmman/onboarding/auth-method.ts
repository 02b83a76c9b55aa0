// `openclaw onboard --auth-choice llmman` and `openclaw models auth login --provider llmman`: point
// the plugin at a llmman daemon, pick (or pull) the default model, and save it only once it has
// answered and called a tool. llmman needs no key, so nothing is stored as a credential.
import { ConfigError } from "../../config/config-error.ts";
import type {
  OpenClawConfig,
  ProviderAuthContext,
  ProviderAuthMethod,
  ProviderAuthMethodNonInteractiveContext,
  ProviderAuthResult,
} from "../../host-types.ts";
import { withDefaultModel, withPluginConfig } from "../../onboarding/config-patch.ts";
import { baseUrlProblem, failer } from "../../onboarding/messages.ts";
import type { LlmmanDaemons } from "../daemon/supervisor.ts";
import { LLMMAN_PROVIDER_ID } from "../defaults.ts";
import type { LlmmanSurvey } from "./survey.ts";
import type { VerifyDeps } from "./verify.ts";

/** The manifest's providerAuthChoices[].method and optionKeys. */
export const LLMMAN_AUTH_METHOD_ID = "local";
export const LLMMAN_BASE_URL_OPTION = "llmmanBaseUrl";
export const LLMMAN_MODEL_OPTION = "llmmanModel";

export type LlmmanOnboardingDeps = {
  daemons: Pick<LlmmanDaemons, "acquire" | "stopDaemon">;
  env?: NodeJS.ProcessEnv;
  checkTimeoutMs?: number;
};

const PULL_ANOTHER = "\u0000pull";

export function createLlmmanAuthMethod(deps: LlmmanOnboardingDeps): ProviderAuthMethod {
  return {
    id: LLMMAN_AUTH_METHOD_ID,
    label: "llmman",
    hint: "Local llmman daemon; no API key, started on demand, models pulled for you",
    kind: "custom",
    run: (ctx) => runInteractive(ctx, deps),
    runNonInteractive: (ctx) => runNonInteractive(ctx, deps),
  };
}

// survey.ts and verify.ts need the config validator (TypeBox) and undici: loaded when onboarding runs.
const modules = () => Promise.all([import("./survey.ts"), import("./verify.ts")]);

async function runNonInteractive(ctx: ProviderAuthMethodNonInteractiveContext, deps: LlmmanOnboardingDeps): Promise<OpenClawConfig | null> {
  const [surveys, { verifyModel }] = await modules();
  const env = deps.env ?? process.env;
  const fail = failer(ctx);
  let pluginConfig: Record<string, unknown>;
  try {
    pluginConfig = surveys.llmmanPluginConfigWith(ctx.config, option(ctx.opts[LLMMAN_BASE_URL_OPTION]));
  } catch (error) {
    if (error instanceof ConfigError) return fail(`--llmman-base-url: ${error.message}`);
    throw error;
  }
  const survey = await surveys.surveyLlmman(pluginConfig, env);
  for (const line of surveys.describeSurvey(survey)) ctx.runtime.log(line);
  const given = option(ctx.opts[LLMMAN_MODEL_OPTION]);
  let ref: string | undefined;
  if (given) {
    const chosen = surveys.chosenRef(given);
    if ("problem" in chosen) return fail(`--llmman-model: ${chosen.problem}`);
    ref = chosen.ref;
  } else ref = surveys.proposedModel(survey);
  if (!ref) return fail(surveys.noModelMessage(survey));
  const failed = await verifyModel(survey.config, ref, verifyDeps(deps, env, (line) => ctx.runtime.log(line)));
  if (failed) return fail(notSaved(ref, failed));
  ctx.runtime.log(`llmman base URL: ${survey.config.baseUrl}`);
  ctx.runtime.log(`Default model: ${LLMMAN_PROVIDER_ID}/${ref}`);
  return withDefaultModel(withPluginConfig(ctx.config, pluginConfig), `${LLMMAN_PROVIDER_ID}/${ref}`);
}

async function runInteractive(ctx: ProviderAuthContext, deps: LlmmanOnboardingDeps): Promise<ProviderAuthResult> {
  const { prompter } = ctx;
  const [surveys, { verifyModel }] = await modules();
  const env = ctx.env ?? deps.env ?? process.env;
  const current = surveys.llmmanPluginConfigWith(ctx.config, undefined) as { llmman: { baseUrl: string } };
  const entered = await prompter.text({
    message: "llmman base URL",
    initialValue: current.llmman.baseUrl,
    placeholder: current.llmman.baseUrl,
    validate: (value) => baseUrlProblem(value, "http://127.0.0.1:17434/v1", (baseUrl) => surveys.llmmanPluginConfigWith(ctx.config, baseUrl)),
  });
  const pluginConfig = surveys.llmmanPluginConfigWith(ctx.config, entered.trim());
  const progress = prompter.progress("Checking llmman");
  let survey: LlmmanSurvey;
  try {
    survey = await surveys.surveyLlmman(pluginConfig, env);
  } finally {
    progress.stop("Checked llmman");
  }
  await prompter.note(surveys.describeSurvey(survey).join("\n"), "llmman");
  const picked = await prompter.select({
    message: "Default model",
    options: [
      ...survey.models.map((model) => ({
        value: model.id,
        label: model.id,
        hint: `context ${model.contextWindow}${model.loaded ? ", loaded" : ""}`,
      })),
      { value: PULL_ANOTHER, label: "Pull another model…", hint: "e.g. qwen3.5:0.8b" },
    ],
    initialValue: surveys.proposedModel(survey) ?? PULL_ANOTHER,
    searchable: survey.models.length > 10,
  });
  const ref = picked === PULL_ANOTHER ? await askForRef(ctx, surveys) : picked;
  const checking = prompter.progress(`Checking ${ref}`);
  let failed: string | undefined;
  try {
    failed = await verifyModel(survey.config, ref, verifyDeps(deps, env, (line) => checking.update(line)));
  } finally {
    checking.stop(failed ? `${ref} failed its checks` : `${ref} answered`);
  }
  if (failed) throw new Error(notSaved(ref, failed));
  return {
    profiles: [],
    configPatch: withPluginConfig({}, pluginConfig),
    defaultModel: `${LLMMAN_PROVIDER_ID}/${ref}`,
    notes: ["llmman models are used as llmman/<model>; `openclaw models list --provider llmman` lists them."],
  };
}

async function askForRef(ctx: ProviderAuthContext, surveys: Awaited<ReturnType<typeof modules>>[0]): Promise<string> {
  const entered = await ctx.prompter.text({
    message: "Model to pull (llmman name or ref)",
    placeholder: "qwen3.5:0.8b",
    validate: (value) => {
      const chosen = surveys.chosenRef(value.trim());
      return "problem" in chosen ? chosen.problem : undefined;
    },
  });
  const chosen = surveys.chosenRef(entered.trim());
  if ("problem" in chosen) throw new Error(chosen.problem);
  return chosen.ref;
}

function verifyDeps(deps: LlmmanOnboardingDeps, env: NodeJS.ProcessEnv, log: (line: string) => void): VerifyDeps {
  return { daemons: deps.daemons, env, log, checkTimeoutMs: deps.checkTimeoutMs };
}

function notSaved(ref: string, failed: string): string {
  return `${LLMMAN_PROVIDER_ID}/${ref} was not made the default model: ${failed}. Choose another model with --llmman-model, or fix it and run this again.`;
}

function option(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

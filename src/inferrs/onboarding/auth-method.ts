// `openclaw onboard --auth-choice inferrs` and `openclaw models auth login --provider inferrs`:
// point the plugin at an inferrs base URL and pick the default model. inferrs has no auth, so
// nothing is stored as a credential (the plugin's synthetic auth covers every request).
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
import { PROVIDER_ID } from "../defaults.ts";
import type { Survey } from "./survey.ts";

/** The manifest's providerAuthChoices[].method and optionKey. */
export const AUTH_METHOD_ID = "local";
export const BASE_URL_OPTION = "inferrsBaseUrl";

export function createOnboardingAuthMethod(env: NodeJS.ProcessEnv = process.env): ProviderAuthMethod {
  return {
    id: AUTH_METHOD_ID,
    label: "inferrs",
    hint: "Local inferrs server; no API key, started on demand",
    kind: "custom",
    run: (ctx) => runInteractive(ctx, env),
    runNonInteractive: (ctx) => runNonInteractive(ctx, env),
  };
}

async function runNonInteractive(ctx: ProviderAuthMethodNonInteractiveContext, env: NodeJS.ProcessEnv): Promise<OpenClawConfig | null> {
  const { describeSurvey, noModelMessage, pluginConfigWith, proposedModel, surveyServer } = await import("./survey.ts");
  const fail = failer(ctx);
  const flag = ctx.opts[BASE_URL_OPTION];
  let pluginConfig: Record<string, unknown>;
  try {
    pluginConfig = pluginConfigWith(ctx.config, typeof flag === "string" && flag.trim() ? flag.trim() : undefined);
  } catch (error) {
    if (error instanceof ConfigError) return fail(`--inferrs-base-url: ${error.message}`);
    throw error;
  }
  const survey = await surveyServer(pluginConfig, env);
  for (const line of describeSurvey(survey)) ctx.runtime.log(line);
  const model = proposedModel(survey);
  if (!model) return fail(noModelMessage(survey, env));
  ctx.runtime.log(`inferrs base URL: ${survey.config.baseUrl}`);
  ctx.runtime.log(`Default model: ${modelRef(model)}`);
  return withDefaultModel(withPluginConfig(ctx.config, pluginConfig), modelRef(model));
}

async function runInteractive(ctx: ProviderAuthContext, env: NodeJS.ProcessEnv): Promise<ProviderAuthResult> {
  const { prompter } = ctx;
  // survey.ts needs the config validator (TypeBox) and discovery: loaded when onboarding runs.
  const surveys = await import("./survey.ts");
  const { describeSurvey, noModelMessage, pluginConfigWith, proposedModel, surveyServer } = surveys;
  const current = pluginConfigWith(ctx.config, undefined);
  const entered = await prompter.text({
    message: "inferrs base URL",
    initialValue: String(current.baseUrl),
    placeholder: String(current.baseUrl),
    validate: (value) => baseUrlProblem(value, "http://127.0.0.1:8080/v1", (baseUrl) => surveys.pluginConfigWith(ctx.config, baseUrl)),
  });
  const pluginConfig = pluginConfigWith(ctx.config, entered.trim());
  const progress = prompter.progress(`Checking inferrs at ${String(pluginConfig.baseUrl)}`);
  let survey: Survey;
  try {
    survey = await surveyServer(pluginConfig, ctx.env ?? env);
  } finally {
    progress.stop("Checked inferrs");
  }
  await prompter.note(describeSurvey(survey).join("\n"), "inferrs");
  const proposed = proposedModel(survey);
  if (!proposed) throw new Error(noModelMessage(survey, ctx.env ?? env));
  const model = await prompter.select({
    message: "Default model",
    options: survey.modelIds.map((id) => ({
      value: id,
      label: id,
      ...(id === survey.served ? { hint: "served now" } : {}),
    })),
    initialValue: proposed,
    searchable: survey.modelIds.length > 10,
  });
  return {
    profiles: [],
    configPatch: withPluginConfig({}, pluginConfig),
    defaultModel: modelRef(model),
    notes: [`inferrs models are used as inferrs/<org>/<model>; \`openclaw inferrs status\` shows the server.`],
  };
}

function modelRef(modelId: string): string {
  return `${PROVIDER_ID}/${modelId}`;
}

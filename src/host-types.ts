// Types of the OpenClaw plugin SDK we build against (type-only: erased at runtime).
import type { OpenClawPluginApi, ProviderPlugin, ProviderWrapStreamFnContext } from "openclaw/plugin-sdk/plugin-entry";

export type { OpenClawPluginApi, ProviderPlugin } from "openclaw/plugin-sdk/plugin-entry";
export type StreamFn = NonNullable<ProviderWrapStreamFnContext["streamFn"]>;
export type StreamModel = Parameters<StreamFn>[0];
export type StreamContext = Parameters<StreamFn>[1];
export type StreamOptions = NonNullable<Parameters<StreamFn>[2]>;
export type EventStream = Awaited<ReturnType<StreamFn>>;
export type StreamEvent = EventStream extends AsyncIterable<infer E> ? E : never;
export type AssistantMessage = Awaited<ReturnType<EventStream["result"]>>;
export type WrapStreamFn = NonNullable<ProviderPlugin["wrapStreamFn"]>;
export type EmbeddingProviderAdapter = Parameters<OpenClawPluginApi["registerEmbeddingProvider"]>[0];
export type EmbeddingProvider = NonNullable<Awaited<ReturnType<EmbeddingProviderAdapter["create"]>>["provider"]>;
export type EmbeddingInput = Parameters<EmbeddingProvider["embed"]>[0];
export type {
  OpenClawConfig,
  ProviderAuthContext,
  ProviderAuthMethod,
  ProviderAuthMethodNonInteractiveContext,
  ProviderAuthResult,
} from "openclaw/plugin-sdk/plugin-entry";

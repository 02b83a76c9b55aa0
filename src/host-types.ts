// Types of the OpenClaw plugin SDK we build against (type-only: erased at runtime).
import type { ProviderPlugin, ProviderWrapStreamFnContext } from "openclaw/plugin-sdk/plugin-entry";

export type { OpenClawPluginApi, ProviderPlugin } from "openclaw/plugin-sdk/plugin-entry";
export type StreamFn = NonNullable<ProviderWrapStreamFnContext["streamFn"]>;
export type StreamModel = Parameters<StreamFn>[0];
export type StreamContext = Parameters<StreamFn>[1];
export type StreamOptions = NonNullable<Parameters<StreamFn>[2]>;
export type EventStream = Awaited<ReturnType<StreamFn>>;
export type StreamEvent = EventStream extends AsyncIterable<infer E> ? E : never;
export type AssistantMessage = Awaited<ReturnType<EventStream["result"]>>;
export type WrapStreamFn = NonNullable<ProviderPlugin["wrapStreamFn"]>;
export type {
  OpenClawConfig,
  ProviderAuthContext,
  ProviderAuthMethod,
  ProviderAuthMethodNonInteractiveContext,
  ProviderAuthResult,
} from "openclaw/plugin-sdk/plugin-entry";

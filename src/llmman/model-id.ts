// llmman model ids come from the user, from GET /v1/models and from the selected model ref: all
// untrusted. The check allows what llmman itself resolves (../shared/llmman-api.md §16, §12) and
// nothing that would make it import from a local path or another source.

export const HYBRID_PREFIX = "llmman.hybrid/";
export const PROVIDER_PREFIX = "llmman.provider/";

export type ModelRef =
  /** A model llmman stores and serves: `ref` is the fully qualified, tagged id /v1/models lists. */
  | { kind: "local"; ref: string }
  /** `llmman.hybrid/<local>,<provider>/<model>`: `local` is the local half, canonical. */
  | { kind: "hybrid"; local: string; remote: string }
  /** `llmman.provider/<provider>/<model>`: forwarded to a hosted provider. */
  | { kind: "provider"; provider: string; model: string };

const ALLOWED = /^[A-Za-z0-9._:/@+,-]+$/;
// eslint-disable-next-line no-control-regex
const SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;
const EXAMPLE = "such as llmman/qwen3.5:0.8b or llmman/hf.co/unsloth/Qwen3.5-0.8B-GGUF";

/** Why llmman would not serve `id` as given; undefined when it is fine. */
export function modelIdProblem(id: string): string | undefined {
  const problem = refusal(id);
  return problem && `The llmman model id ${JSON.stringify(id)} ${problem}; select a llmman/<model> id ${EXAMPLE}.`;
}

function refusal(id: string): string | undefined {
  if (!id) return "is empty";
  if (SPACE_OR_CONTROL.test(id)) return "contains whitespace or control characters";
  if (id.startsWith("/")) return "is a local path, and llmman would import whatever that directory holds";
  if (id.includes("://")) return "names another source (://), and llmman would import from it";
  if (!ALLOWED.test(id)) return "contains characters llmman ids never have (allowed: letters, digits and . _ : / @ + , -)";
  if (id.startsWith(HYBRID_PREFIX)) {
    const [local, remote, ...rest] = id.slice(HYBRID_PREFIX.length).split(",");
    if (rest.length || !local || !remote) return "is not a hybrid ref of the form llmman.hybrid/<local>,<provider>/<model>";
    return localRefusal(local) ?? providerRefusal(remote, "llmman.hybrid/<local>,<provider>/<model>");
  }
  if (id.startsWith(PROVIDER_PREFIX)) return providerRefusal(id.slice(PROVIDER_PREFIX.length), "llmman.provider/<provider>/<model>");
  return localRefusal(id);
}

function localRefusal(ref: string): string | undefined {
  if (ref.includes(",")) return 'contains ",", which only a llmman.hybrid/<local>,<provider>/<model> ref may';
  if (ref.startsWith("-")) return 'starts with "-"';
  if (ref.split("/").some((segment) => segment === "" || segment === "." || segment === "..")) {
    return 'has an empty, "." or ".." path segment';
  }
  return undefined;
}

function providerRefusal(ref: string, form: string): string | undefined {
  const slash = ref.indexOf("/");
  if (slash <= 0 || slash === ref.length - 1 || ref.includes(",")) return `is not of the form ${form}`;
  return undefined;
}

/** What `id` names, with local refs canonicalized as llmman does. Call only for ids without a problem. */
export function parseModelRef(id: string): ModelRef {
  if (id.startsWith(HYBRID_PREFIX)) {
    const [local, remote] = id.slice(HYBRID_PREFIX.length).split(",") as [string, string];
    return { kind: "hybrid", local: canonicalRef(local), remote };
  }
  if (id.startsWith(PROVIDER_PREFIX)) {
    const rest = id.slice(PROVIDER_PREFIX.length);
    const slash = rest.indexOf("/");
    return { kind: "provider", provider: rest.slice(0, slash), model: rest.slice(slash + 1) };
  }
  return { kind: "local", ref: canonicalRef(id) };
}

/**
 * llmman's resolution of a model name (§16): a bare name is Docker Hub's `docker.io/ai/<name>`, an
 * `owner/repo` without a host is `hf.co/owner/repo`, a missing tag is `:latest`. Case-sensitive.
 * (llmman's own alias files are not read: an alias is sent as given and llmman resolves it.)
 */
export function canonicalRef(ref: string): string {
  const first = ref.split("/")[0]!;
  const qualified = !ref.includes("/")
    ? `docker.io/ai/${ref}`
    : first.includes(".") || first === "localhost"
      ? ref
      : `hf.co/${ref}`;
  const last = qualified.slice(qualified.lastIndexOf("/") + 1);
  return last.includes(":") || last.includes("@") ? qualified : `${qualified}:latest`;
}

/** The canonical id to look a model up by in /v1/models, /api/ps and the store; undefined for provider refs. */
export function storedRefOf(ref: ModelRef): string | undefined {
  return ref.kind === "local" ? ref.ref : ref.kind === "hybrid" ? ref.local : undefined;
}

// undici's request(), in a module of its own so that it is imported lazily, on the first HTTP
// request: a static import is what keeps the CommonJS package's named exports in the bundle.
export { request } from "undici";

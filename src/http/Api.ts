/**
 * Where the services the API needs were declared before the API became `FactoryApi`: importers
 * outside `src/http` (the factory runtime, the supervision tree) keep this path.
 */
export type { ApiServices } from "./ApiHandlers.ts"

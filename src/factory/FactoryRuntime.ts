import { type Context, Data, type Effect, type Scope } from "effect"
import type { FactoryConfigData } from "../config/FactoryConfig.ts"
import type { ApiServices } from "../http/ApiHandlers.ts"

/** A factory running in this process: its services (for the API and the dashboard) and its fate. */
export interface RunningFactory {
  readonly services: Context.Context<ApiServices>
  /** Never succeeds; fails when the root supervisor escalates (the process should then exit non-zero). */
  readonly await: Effect.Effect<void, unknown>
}

export class LaunchError extends Data.TaggedError("LaunchError")<{ readonly message: string }> {}

/**
 * Starts the whole factory (services, breakers, supervision tree) for the life of the scope.
 * Declared here, implemented in `supervisors/` and handed to the CLI by the entry point, so
 * `src/` never imports the supervisors or the actors.
 */
export type LaunchFactory = (config: FactoryConfigData, hooks?: LaunchHooks) => Effect.Effect<RunningFactory, LaunchError, Scope.Scope>

export interface LaunchHooks {
  /** Where the factory tells the operator how it stops (the drain's lines). */
  readonly say?: ((line: string) => void) | undefined
}

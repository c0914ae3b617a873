import { Schema } from "effect"

/*
 * Apart from the canary actor so that the config, which gathers every section's schema, does
 * not load the actor (its queue, store and bus) to read one schema.
 */

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * `canary:` in factory.yaml. Every key but `enabled` has a default; `enabled` defaults to
 * false for `run` and true for `serve` (the command decides when the key is absent).
 */
export const CanaryConfigSchema = Schema.Struct({
  enabled: Schema.optionalKey(Schema.Boolean),
  /** Time between two canary runs (from the start of one to the start of the next). Default 5 min. */
  intervalMs: Schema.optionalKey(PositiveInt),
  /** A canary episode not committed this long after it was enqueued is a failure. Default 10 min. */
  deadlineMs: Schema.optionalKey(PositiveInt),
  /** Failures in a row before the `canary` alert fires. Default 3. */
  failuresToAlert: Schema.optionalKey(PositiveInt),
  /** Genre template of the canary project. Default `fantasy_kr`. */
  genre: Schema.optionalKey(Schema.String),
  /**
   * `offline` (default): the canary's jobs run every stage offline, so it never spends LLM money.
   * `configured`: they take the stages `llm:` configures, like real work (and cost like it).
   */
  llm: Schema.optionalKey(Schema.Literals(["offline", "configured"])),
})
export type CanaryConfig = typeof CanaryConfigSchema.Type

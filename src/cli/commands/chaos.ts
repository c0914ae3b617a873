import { Effect } from "effect"
import { type ChaosOptions, defaultChaosOptions, type RunChaos, SCENARIOS, type ScenarioName } from "../../ops/chaos/ChaosPlan.ts"
import { errorMessage } from "../../util/ErrorMessage.ts"
import { parseDurationMs } from "../../util/Units.ts"
import { booleanFlag, type Command, CommandFailed, intFlag, stringFlag, UsageError } from "../Command.ts"

const durationFlag = (args: Parameters<Command["run"]>[0], name: string, fallback: number): number | UsageError => {
  const raw = stringFlag(args, name)
  if (raw === undefined) return fallback
  const ms = parseDurationMs(raw)
  return typeof ms === "number" ? ms : new UsageError({ message: `--${name}: ${ms}` })
}

/**
 * `novel-factory chaos <scenario>`: breaks a real factory (child `serve` processes on a
 * temporary data directory) and checks it heals without losing or duplicating a job.
 */
export const chaosCommand = (runChaos: RunChaos): Command => ({
  name: "chaos",
  summary: "chaos day: break a real factory and check it heals without losing a job",
  usage: `chaos <${[...SCENARIOS, "all"].join("|")}> [--seed n] [--duration 20s] [--bound 300s] [--fast]`,
  details:
    "Each scenario starts `serve` as a child process on a temporary data directory, enqueues work through the API, " +
    "breaks something, heals it and times the recovery, then audits every accepted job: lost (not final) and duplicated " +
    "(an episode stored twice, or stored without a committed job) must both be 0. Exit 0 only when nothing was lost or " +
    "duplicated and every recovery met --bound. redis-down needs `redis-server` on PATH (or REDIS_SERVER).",
  options: {
    seed: { type: "string", placeholder: "n", description: "seed of the runner's random choices (default 1)" },
    duration: { type: "string", placeholder: "time", description: "how long each fault lasts, e.g. 500ms, 20s, 2m (default 20s)" },
    bound: { type: "string", placeholder: "time", description: "every recovery must happen within this (default 300s)" },
    projects: { type: "string", placeholder: "n", description: "projects per scenario (default 3)" },
    episodes: { type: "string", placeholder: "n", description: "episodes per project (default 8)" },
    concurrency: { type: "string", placeholder: "n", description: "episode workers of the factory under test (default 3)" },
    pace: { type: "string", placeholder: "ms", description: "offline writer latency per call, so faults land mid-run (default 300)" },
    kills: { type: "string", placeholder: "n", description: "SIGKILLs in kill-process (default 2)" },
    fast: { type: "boolean", description: "short leases and back-offs (CI smoke runs) instead of the product defaults" },
    keep: { type: "boolean", description: "keep the temporary data directories" },
  },
  positionals: { min: 1, max: 1, names: ["scenario"] },
  run: (args, io) =>
    Effect.gen(function* () {
      const scenario = args.positionals[0]!
      if (scenario !== "all" && !(SCENARIOS as ReadonlyArray<string>).includes(scenario)) {
        return yield* new UsageError({ message: `unknown scenario '${scenario}'; known: ${[...SCENARIOS, "all"].join(", ")}` })
      }
      const d = defaultChaosOptions
      const ints = {
        seed: intFlag(args, "seed", { min: 0 }),
        projects: intFlag(args, "projects", { min: 1, max: 20 }),
        episodes: intFlag(args, "episodes", { min: 1, max: 200 }),
        concurrency: intFlag(args, "concurrency", { min: 1, max: 64 }),
        pace: intFlag(args, "pace", { min: 0, max: 60_000 }),
        kills: intFlag(args, "kills", { min: 1, max: 20 }),
      }
      for (const value of Object.values(ints)) if (value instanceof UsageError) return yield* value
      const duration = durationFlag(args, "duration", d.durationMs)
      if (duration instanceof UsageError) return yield* duration
      const bound = durationFlag(args, "bound", d.boundMs)
      if (bound instanceof UsageError) return yield* bound
      const int = (v: number | undefined | UsageError, fallback: number) => (typeof v === "number" ? v : fallback)
      const options: ChaosOptions = {
        seed: int(ints.seed, d.seed),
        durationMs: duration,
        boundMs: bound,
        projects: int(ints.projects, d.projects),
        episodes: int(ints.episodes, d.episodes),
        concurrency: int(ints.concurrency, d.concurrency),
        paceMs: int(ints.pace, d.paceMs),
        kills: int(ints.kills, d.kills),
        fast: booleanFlag(args, "fast"),
        faultRate: d.faultRate,
        keepData: booleanFlag(args, "keep"),
        out: io.out,
      }
      const names: ReadonlyArray<ScenarioName> = scenario === "all" ? SCENARIOS : [scenario as ScenarioName]
      const report = yield* Effect.tryPromise({
        try: () => runChaos(names, options),
        catch: (error) => new CommandFailed({ message: `chaos runner failed: ${errorMessage(error)}`, exitCode: 1 }),
      })
      return report.ok ? 0 : 1
    }),
})

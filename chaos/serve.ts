/**
 * `serve` with fault injection, for the chaos runner: the product's own `serve` command, its
 * config loading, HTTP API, supervision tree, workers, breakers, SQLite/Redis adapters and
 * instance lock — with two services swapped for their chaos versions from `Faults.ts`:
 *
 * - `FACTORY_CHAOS_CRASH_RATE=p`: every fault point of a job (`writer`, `guard`, `editor`,
 *   `commit`, `committed`) crashes its stage (a defect: the worker dies and is restarted by
 *   its supervisor) with probability p — `kill-worker`;
 * - `FACTORY_CHAOS_STORE_FAIL_RATE=p`: an episode commit fails before it happens, or happens
 *   and its answer is lost, each with probability p — `store-errors`;
 * - `FACTORY_CHAOS_SWITCH=<file>`: faults happen only while that file exists (checked every
 *   100 ms), so the runner can stop them and time the recovery. Unset: always on.
 *
 * Usage: `node chaos/serve.ts serve --port 0` (any `serve` flag).
 */
import { existsSync } from "node:fs"
import { Context, Effect, Layer, Ref, Schedule } from "effect"
import { runCli } from "../src/cli/Cli.ts"
import { serveCommand } from "../src/cli/commands/factory.ts"
import type { FactoryConfigData } from "../src/config/FactoryConfig.ts"
import { FaultPoints } from "../src/factory/FaultPoints.ts"
import { type LaunchFactory, LaunchError } from "../src/factory/FactoryRuntime.ts"
import { packageVersion } from "../src/factory/FactoryStatus.ts"
import { acquireInstanceLock } from "../src/ops/instance/InstanceLock.ts"
import { describeBackends, infrastructureLayer } from "../src/runtime/Infrastructure.ts"
import { StoryStore } from "../src/story/StoryStore.ts"
import { type FactoryInfrastructure, launchWith } from "../supervisors/Launch.ts"
import { chaosFaultPoints, type CommitRecord, faultyStoryStore, type FaultRates, noFaults } from "./Faults.ts"

const rateOf = (env: Readonly<Record<string, string | undefined>>, name: string): number => {
  const raw = env[name]
  if (raw === undefined || raw === "") return 0
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error(`${name}: expected a probability from 0 to 1, got '${raw}'`)
  return value
}

export const chaosRatesFromEnv = (env: Readonly<Record<string, string | undefined>>): FaultRates => {
  const store = rateOf(env, "FACTORY_CHAOS_STORE_FAIL_RATE")
  return { ...noFaults, stageCrash: rateOf(env, "FACTORY_CHAOS_CRASH_RATE"), storeFailBefore: store, storeFailAfter: store }
}

/**
 * The factory on fault-injecting services. Takes the instance lock first (embedded queue),
 * exactly as `serve` should, so a restarted process takes over its killed predecessor's lock.
 */
export const chaosLaunchFactory = (env: Readonly<Record<string, string | undefined>>): LaunchFactory => (config: FactoryConfigData) =>
  Effect.gen(function* () {
    if (config.queue.kind === "sqlite") {
      yield* acquireInstanceLock(config.home).pipe(Effect.mapError((error) => new LaunchError({ message: error.message })))
    }
    const rates = chaosRatesFromEnv(env)
    const switchFile = env["FACTORY_CHAOS_SWITCH"]
    const on = () => switchFile === undefined || switchFile === "" || existsSync(switchFile)
    const active = yield* Ref.make(on())
    yield* Effect.suspend(() => Ref.set(active, on())).pipe(Effect.delay(100), Effect.repeat(Schedule.forever), Effect.forkScoped)
    const journal: Array<CommitRecord> = []
    const faulty = Layer.effectContext(
      Effect.gen(function* () {
        const context = yield* Effect.context<FactoryInfrastructure>()
        const store = Context.get(context, StoryStore)
        const bounded = faultyStoryStore(store, rates, active, journal)
        return context.pipe(
          Context.add(StoryStore, {
            ...bounded,
            // The journal is the simulation's witness; here the runner checks the store itself.
            commitEpisode: (episode, changes) => Effect.tap(bounded.commitEpisode(episode, changes), () => Effect.sync(() => (journal.length = 0))),
          }),
          Context.add(FaultPoints, chaosFaultPoints(rates, active)),
        )
      }),
    ).pipe(Layer.provide(infrastructureLayer(config)))
    return yield* launchWith(faulty, { mode: `chaos ${describeBackends(config)}`, supervision: config.supervision }).pipe(
      Effect.mapError((error) => new LaunchError({ message: `${error.message} (data: ${config.home})` })),
    )
  })

if (import.meta.main) {
  const code = await runCli([serveCommand(chaosLaunchFactory(process.env))], packageVersion, process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
  })
  process.exitCode = code
}

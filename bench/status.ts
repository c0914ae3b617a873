/**
 * What `/readyz` and `/api/v1/status` read of the dependencies (every breaker's `info`, through
 * `Breakers.all`), fresh and after a burst of calls: its cost must not grow with recent traffic.
 * Before the breakers counted their window in buckets, each read copied every outcome of the
 * last 60 s (p50 0.4 ms → 4.9 ms after a 10 s enqueue burst through the API).
 *
 *   node bench/status.ts          (BURST=300000 READS=2000 to change the sizes)
 */
import { Effect } from "effect"
import { EventBus } from "../src/events/EventBus.ts"
import { Breakers } from "../supervisors/Breakers.ts"
import type { BenchResult } from "./BenchResult.ts"

const BURST = Number(process.env.BURST ?? 300_000)
const READS = Number(process.env.READS ?? 2_000)

const p50 = (samples: Array<number>) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!

/** The median time of one read of every breaker, in µs. */
const readP50 = (breakers: Breakers["Service"]) =>
  Effect.gen(function* () {
    const samples: Array<number> = []
    for (let i = 0; i < READS; i++) {
      const start = performance.now()
      yield* breakers.all
      samples.push((performance.now() - start) * 1000)
    }
    return p50(samples)
  })

export const run = (): Promise<ReadonlyArray<BenchResult>> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const breakers = yield* Breakers.make
      // the factory's three, as `supervisors/FactoryTree.ts` configures them
      const queue = yield* breakers.get("queue", { window: "10 seconds", cooldown: "1 second" })
      yield* breakers.get("story-store", { cooldown: "5 seconds" })
      const llm = yield* breakers.get("llm", { cooldown: "10 seconds" })
      const fresh = yield* readP50(breakers)
      const started = performance.now()
      for (let i = 0; i < BURST; i++) yield* queue.call(Effect.void)
      for (let i = 0; i < BURST / 10; i++) yield* llm.call(Effect.void)
      const burstMs = performance.now() - started
      const busy = yield* readP50(breakers)
      const info = yield* breakers.all
      return [
        {
          name: `status read of 3 breakers after ${info.reduce((sum, b) => sum + b.calls, 0).toLocaleString("en-US")} calls in the window`,
          value: Math.round(busy * 100) / 100,
          unit: "µs (p50)",
          baseline: Math.round(fresh * 100) / 100,
          ratio: Math.round((busy / fresh) * 100) / 100,
          note: `baseline: the same read with no call yet; burst took ${Math.round(burstMs)} ms, ${READS} reads each`,
        },
      ] satisfies Array<BenchResult>
    }).pipe(Effect.scoped, Effect.provide(EventBus.layer())),
  )

if (import.meta.main) {
  const results = await run()
  console.table(results.map((r) => ({ measure: r.name, value: `${r.value} ${r.unit}`, baseline: r.baseline, ratio: r.ratio, note: r.note })))
}

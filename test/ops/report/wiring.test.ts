/**
 * The monitoring actors as children of the real factory (the wiring the lead adds to
 * supervisors/Launch.ts): jobs run with the offline writer, the journal records their events,
 * and `report` renders them from the journal.
 */
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { Effect, Layer, Schedule } from "effect"
import { ChildSpec } from "../../../supervisors/ChildSpec.ts"
import { launchWith } from "../../../supervisors/Launch.ts"
import { backupsLayer } from "../../../src/backup/Location.ts"
import { reportCommand } from "../../../src/cli/commands/report.ts"
import { defaultConfig } from "../../../src/config/FactoryConfig.ts"
import { SqliteSingletonLease } from "../../../src/coordination/SqliteSingletonLease.ts"
import { EventBus } from "../../../src/events/EventBus.ts"
import { Intake } from "../../../src/factory/Intake.ts"
import { Projects } from "../../../src/factory/Projects.ts"
import { monitoringActors } from "../../../src/ops/alerts/Monitoring.ts"
import { makeEventJournal } from "../../../src/ops/journal/EventJournal.ts"
import { JobQueue } from "../../../src/queue/JobQueue.ts"
import { infrastructureLayer } from "../../../src/runtime/Infrastructure.ts"
import { Database } from "../../../src/sqlite/Database.ts"
import { runCommand } from "../../support/cliHarness.ts"
import { makeDataDir } from "../../support/factoryProcess.ts"

const data = makeDataDir("nf-monitoring-")
afterAll(() => data.cleanup())

describe("monitoring actors in the supervision tree", () => {
  it("journals a real run's events and the report renders them", async () => {
    const home = join(data.dir, "home")
    const config = { ...defaultConfig(home), alerts: { queueCritical: 2, pollSeconds: 1 } } as ReturnType<typeof defaultConfig>
    const actors = monitoringActors(config)
    const infrastructure = Layer.mergeAll(backupsLayer({}), SqliteSingletonLease.layer).pipe(Layer.provideMerge(infrastructureLayer(config)))
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const running = yield* launchWith(infrastructure, {
            mode: "test",
            supervision: config.supervision,
            extraChildren: [ChildSpec.permanent("journal", actors.journal), ChildSpec.permanent("alerts", actors.alerts)],
          })
          yield* Effect.gen(function* () {
            const projects = yield* Projects
            yield* projects.create({ slug: "watched", genre: "fantasy_kr", title: undefined })
            // intake paused: the four jobs wait in the queue (4 > 2) until the depth alert has fired
            const intake = yield* Intake
            yield* intake.setPaused(true)
            const queue = yield* JobQueue
            yield* queue.enqueue("watched", [1, 2, 3, 4])
            const bus = yield* EventBus
            yield* bus.publish({ _tag: "JobEnqueued", at: Date.now(), job: "watched-1", project: "watched", episode: 1 })
            const journal = yield* makeEventJournal(yield* Database)
            yield* journal.read({ from: 0, to: Date.now() + 60_000, tags: ["Alert"] }).pipe(
              Effect.filterOrFail((r) => r.events.some((e) => e._tag === "Alert" && e.rule === "queue.depth-critical" && e.state === "firing"), () => new Error("no firing alert")),
              Effect.retry(Schedule.max([Schedule.spaced("200 millis"), Schedule.recurs(50)])),
            )
            yield* intake.setPaused(false)
            // wait until the four jobs are committed and journaled
            yield* journal.read({ from: 0, to: Date.now() + 60_000, tags: ["JobCommitted"] }).pipe(
              Effect.filterOrFail((r) => r.events.length >= 4, () => new Error("jobs not committed")),
              Effect.retry(Schedule.max([Schedule.spaced("200 millis"), Schedule.recurs(200)])),
            )
            // drained: the depth alert resolves at the next poll
            yield* journal.read({ from: 0, to: Date.now() + 60_000, tags: ["Alert"] }).pipe(
              Effect.filterOrFail((r) => r.events.some((e) => e._tag === "Alert" && e.rule === "queue.depth-critical" && e.state === "resolved"), () => new Error("no resolved alert")),
              Effect.retry(Schedule.max([Schedule.spaced("200 millis"), Schedule.recurs(100)])),
            )
          }).pipe(Effect.provideContext(running.services as never))
        }),
      ) as Effect.Effect<void, unknown>,
    )
    const run = await runCommand([reportCommand], ["report", "--hours", "1"], { FACTORY_HOME: home }, data.dir)
    expect(run.err).toBe("")
    expect(run.code).toBe(0)
    expect(run.out).toMatch(/- enqueued 1, committed 4, dead 0/)
    expect(run.out).toContain("| last 1 h | 4 | 0 | 100.0% |")
    expect(run.out).toMatch(/\| writer \| [4-9]\d* \| 0 \|/)
    expect(run.out).toMatch(/\| queue\.depth-critical \| \S+ \S+ \| \S+ \S+ \| [\d.]+ m?s \| 4 jobs queued, above the critical depth of 2 \|/)
    expect(run.out).toMatch(/### Intake pauses/)
  })
})

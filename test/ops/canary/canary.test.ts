import { Effect, Exit, Option, Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { defaultConfig } from "../../../src/config/FactoryConfig.ts"
import { EventBus } from "../../../src/events/EventBus.ts"
import type { FactoryEvent } from "../../../src/events/FactoryEvent.ts"
import { Intake } from "../../../src/factory/Intake.ts"
import { Projects } from "../../../src/factory/Projects.ts"
import type { FactoryConfigData } from "../../../src/config/FactoryConfig.ts"
import { startSimulator } from "../../../src/llm/Simulator.ts"
import {
  CANARY_SLUG,
  canarySettingsOf,
  describeCanary,
  makeCanaryProbe,
  runCanary,
} from "../../../src/ops/canary/Canary.ts"
import { JobQueue } from "../../../src/queue/JobQueue.ts"
import { infrastructureLayer } from "../../../src/runtime/Infrastructure.ts"
import { StoryStore } from "../../../src/story/StoryStore.ts"
import { ChildSpec } from "../../../supervisors/ChildSpec.ts"
import { launchWith } from "../../../supervisors/Launch.ts"
import { makeDataDir } from "../../support/factoryProcess.ts"

const dirs: Array<{ cleanup: () => void }> = []
afterAll(() => dirs.forEach((d) => d.cleanup()))

const alertsOf = (events: ReadonlyArray<FactoryEvent>) =>
  events.flatMap((e) => (e._tag === "Alert" && e.rule === "canary" ? [e.state] : []))

describe("canary settings", () => {
  it("is off by default in run, on in serve, and the config wins", () => {
    expect(Option.isNone(canarySettingsOf(undefined, false))).toBe(true)
    expect(Option.getOrThrow(canarySettingsOf(undefined, true)).intervalMs).toBe(300_000)
    expect(Option.getOrThrow(canarySettingsOf({ enabled: true, intervalMs: 1000, failuresToAlert: 2 }, false))).toMatchObject({
      intervalMs: 1000,
      failuresToAlert: 2,
      deadlineMs: 600_000,
    })
    expect(Option.isNone(canarySettingsOf({ enabled: false }, true))).toBe(true)
  })
})

describe("canary probe", () => {
  it("fires an alert after N failures in a row and resolves it on the next success", async () => {
    const probe = makeCanaryProbe({ failuresToAlert: 2 })
    const events = await Effect.runPromise(
      Effect.gen(function* () {
        const bus = yield* EventBus
        const fail = (at: number) => probe.record({ _tag: "Failure", at, episode: at, reason: "boom" })
        yield* fail(1)
        yield* fail(2)
        yield* fail(3)
        yield* probe.record({ _tag: "Success", at: 4, episode: 4, latencyMs: 1500 })
        yield* fail(5)
        return yield* bus.recent()
      }).pipe(Effect.provide(EventBus.layer())),
    )
    expect(alertsOf(events)).toEqual(["firing", "resolved"])
    expect(probe.state()).toMatchObject({ runs: 5, successes: 1, failures: 4, consecutiveFailures: 1, alerting: false })
    expect(describeCanary(probe.state())).toMatch(/^canary: 1\/5 ok, last latency 1\.5 s, last failure: boom/)
  })
})

/** The real factory (supervision tree, SQLite store and queue, offline writer) with the canary as a child. */
const withFactory = async <A>(
  interval: { intervalMs: number; deadlineMs: number },
  body: (services: { get: <T>(eff: Effect.Effect<T, unknown, any>) => Promise<T> }, probe: ReturnType<typeof makeCanaryProbe>) => Promise<A>,
  configure: (config: FactoryConfigData) => FactoryConfigData = (config) => config,
) => {
  const data = makeDataDir("nf-canary-")
  dirs.push(data)
  const config = configure(defaultConfig(data.dir))
  const probe = makeCanaryProbe({ ...interval, failuresToAlert: 2, pollMs: 20 })
  const scope = await Effect.runPromise(Scope.make())
  try {
    const running = await Effect.runPromise(
      launchWith(infrastructureLayer({ ...config, pipeline: { ...config.pipeline, pollMs: 20, concurrency: 2 } }), {
        mode: "test",
        supervision: config.supervision,
        extraChildren: [ChildSpec.permanent("canary", runCanary(probe))],
      }).pipe(Scope.provide(scope)),
    )
    const get = <T>(eff: Effect.Effect<T, unknown, any>) => Effect.runPromise(Effect.provideContext(eff, running.services as any) as Effect.Effect<T, unknown>)
    return await body({ get }, probe)
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

const until = async (predicate: () => boolean | Promise<boolean>, ms = 20_000) => {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe("canary in the real factory", () => {
  it("runs episode n+1 of the canary project through the whole pipeline on its interval", async () => {
    await withFactory({ intervalMs: 100, deadlineMs: 20_000 }, async ({ get }, probe) => {
      await until(() => probe.state().successes >= 3)
      const state = probe.state()
      expect(state.failures).toBe(0)
      expect(state.latenciesMs.every((ms) => ms >= 0 && ms < 20_000)).toBe(true)
      const episodes = await get(StoryStore.use((s) => s.listEpisodes(CANARY_SLUG)))
      expect(episodes.map((e) => e.number).slice(0, 3)).toEqual([1, 2, 3])
      const jobs = await get(JobQueue.use((q) => q.list({ project: CANARY_SLUG })))
      expect(jobs.filter((j) => j.state === "dead")).toEqual([])
    })
  }, 30_000)

  it("counts a missed deadline as a failure and fires the canary alert after two in a row", async () => {
    await withFactory({ intervalMs: 20, deadlineMs: 1 }, async ({ get }, probe) => {
      await until(() => probe.state().alerting)
      expect(probe.state().failures).toBeGreaterThanOrEqual(2)
      expect(probe.state().last).toMatchObject({ _tag: "Failure", reason: expect.stringMatching(/not committed within/) })
      const events = await get(EventBus.use((b) => b.recent()))
      expect(alertsOf(events)).toEqual(["firing"])
    })
  }, 30_000)

  it("skips while intake is paused (no failure), and succeeds once it resumes", async () => {
    await withFactory({ intervalMs: 50, deadlineMs: 20_000 }, async ({ get }, probe) => {
      await get(Intake.use((i) => i.setPaused(true)))
      await until(() => probe.state().last?._tag === "Skipped")
      expect(probe.state().failures).toBe(0)
      await get(Intake.use((i) => i.setPaused(false)))
      await until(() => probe.state().successes >= 1)
      expect(probe.state().failures).toBe(0)
      const events = await get(EventBus.use((b) => b.recent()))
      expect(alertsOf(events)).toEqual([])
    })
  }, 30_000)
})

describe("the canary is safe by default", () => {
  it("lives in nf-canary and never touches a user's project named 'canary'", async () => {
    await withFactory({ intervalMs: 50, deadlineMs: 20_000 }, async ({ get }, probe) => {
      expect(CANARY_SLUG).toBe("nf-canary")
      await get(Projects.use((p) => p.create({ slug: "canary", genre: "modern_noir", title: "My own canary novel" })))
      await until(() => probe.state().successes >= 2)
      expect(await get(JobQueue.use((q) => q.list({ project: "canary" })))).toEqual([])
      expect(await get(StoryStore.use((s) => s.listEpisodes("canary")))).toEqual([])
      const mine = await get(StoryStore.use((s) => s.getProject("canary")))
      expect(Option.getOrThrow(mine)).toMatchObject({ title: "My own canary novel" })
      expect((await get(JobQueue.use((q) => q.list({ project: CANARY_SLUG })))).length).toBeGreaterThanOrEqual(2)
    })
  }, 30_000)

  /** A factory whose every stage goes to the simulator (a paid LLM, as far as the factory knows). */
  const onTheSimulator = (url: string, canaryLlm?: "offline" | "configured") => (config: FactoryConfigData): FactoryConfigData => ({
    ...config,
    llm: {
      kind: "openai",
      baseUrl: url,
      model: "sim-writer",
      apiKeyEnv: "NF_CANARY_TEST_KEY",
      timeoutMs: 10_000,
      retry: { maxRetries: 0, baseDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 10 },
      stages: { critic: { kind: "openai" } },
    },
    ...(canaryLlm === undefined ? {} : { canary: { llm: canaryLlm } }),
  })

  it("runs every stage offline under llm.kind: openai unless canary.llm: configured", async () => {
    process.env["NF_CANARY_TEST_KEY"] = "dummy"
    const sim = await startSimulator({ seed: 3 })
    try {
      await withFactory({ intervalMs: 50, deadlineMs: 20_000 }, async (_services, probe) => {
        await until(() => probe.state().successes >= 2)
        expect(probe.state().failures).toBe(0)
        expect(sim.stats().requests).toBe(0)
      }, onTheSimulator(sim.url))

      await withFactory({ intervalMs: 50, deadlineMs: 20_000 }, async (_services, probe) => {
        // the simulator's drafts need not pass the guard: that the calls reach it is the point
        await until(() => sim.stats().requests > 0)
        expect(probe.state().runs + 1).toBeGreaterThanOrEqual(1)
      }, onTheSimulator(sim.url, "configured"))
    } finally {
      await sim.close()
    }
  }, 60_000)
})

import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { noFaults, type FaultRates } from "../../chaos/Faults.ts"
import { isSettled, type Scenario, SETTLE_BOUND_MS, SIMULATION_LEASE_MS, simulate, type SimulationReport } from "../../chaos/Simulation.ts"

/**
 * The factory's guarantees under random faults, as a deterministic simulation: the
 * real supervision tree, workers, breakers and SQLite queue/store, on TestClock, with
 * crashing stages, a failing LLM and store, and process kills. `CHAOS_RUNS` scales it.
 */
const RUNS = Number(process.env["CHAOS_RUNS"] ?? "150")

const genres = ["fantasy_kr", "modern_noir", "romance_comedy"] as const

const rates: fc.Arbitrary<FaultRates> = fc.record({
  stageCrash: fc.constantFrom(0, 0.02, 0.05, 0.15),
  llmTransient: fc.constantFrom(0, 0.05, 0.2, 0.5),
  llmHang: fc.constantFrom(0, 0.01, 0.05),
  storeFailBefore: fc.constantFrom(0, 0.05, 0.2),
  storeFailAfter: fc.constantFrom(0, 0.05, 0.2),
})

const scenario: fc.Arbitrary<Scenario> = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  genres: fc.array(fc.constantFrom(...genres), { minLength: 1, maxLength: 3 }),
  episodesPerProject: fc.integer({ min: 1, max: 4 }),
  concurrency: fc.integer({ min: 1, max: 4 }),
  faults: fc.oneof({ weight: 1, arbitrary: fc.constant(noFaults) }, { weight: 4, arbitrary: rates }),
  faultWindowMs: fc.integer({ min: 0, max: 10 * 60_000 }),
  killsAtMs: fc.array(fc.integer({ min: 0, max: 10 * 60_000 }), { maxLength: 3 }),
})

const checkInvariants = (s: Scenario, report: SimulationReport) => {
  // Every accepted job ends committed or dead, or waits (queued) behind a dead episode of its
  // project, within the bound once faults stop.
  expect(report.settledAfterMs, "some job never settled").not.toBeNull()
  expect(report.settledAfterMs!).toBeLessThanOrEqual(SETTLE_BOUND_MS)
  expect(report.jobs.length).toBe(s.genres.length * s.episodesPerProject)
  for (const job of report.jobs) {
    expect(isSettled(job, report.jobs), `${job.id} is ${job.state}`).toBe(true)
    expect(["committed", "dead", "queued"]).toContain(job.state)
    if (job.state === "dead") expect(job.reason, `dead job ${job.id} has no cause`).toBeTruthy()
  }
  // A dead episode holds its project: nothing is committed past it (no hole in the novel), and
  // it is the only dead one.
  for (const dead of report.jobs.filter((j) => j.state === "dead")) {
    const later = report.commits.filter((c) => c.project === dead.project && c.number > dead.episode).map((c) => c.number)
    expect(later, `${dead.project} committed past its dead episode ${dead.episode}`).toEqual([])
    expect(report.jobs.filter((j) => j.project === dead.project && j.state === "dead").length).toBe(1)
  }
  // No (project, episode) committed twice.
  const keys = report.commits.map((c) => `${c.project}:${c.number}`)
  expect(new Set(keys).size).toBe(keys.length)
  // Each project's episodes commit in order.
  const last = new Map<string, number>()
  for (const c of report.commits) {
    expect(c.number, `${c.project} committed ${c.number} after ${last.get(c.project)}`).toBeGreaterThan(last.get(c.project) ?? 0)
    last.set(c.project, c.number)
  }
  // The store agrees with the queue: exactly the committed jobs' episodes are stored.
  const committed = new Set(report.jobs.filter((j) => j.state === "committed").map((j) => j.id))
  const stored = new Set(report.stored.flatMap((p) => p.numbers.map((n) => `${p.project}:${n}`)))
  expect([...stored].sort()).toEqual([...committed].sort())
  // Every commit yields exactly one JobCommitted in the journal (through the store's outbox, whatever
  // was killed between the commit and the queue's acknowledgement), and nothing else yields one.
  const journaled = [...report.journaledCommits.entries()].sort(([a], [b]) => a.localeCompare(b))
  expect(journaled, "JobCommitted per job in the journal").toEqual([...committed].sort().map((job) => [job, 1]))
  expect(report.pendingCommits, "commits left in the outbox").toBe(0)
  // A draft's provisional facts never outlive its episode's commit; only a dead job's may remain
  // (when the queue gave it up without its worker), and then only that one per project.
  for (const p of report.provisional) {
    for (const episode of p.episodes) {
      const job = report.jobs.find((j) => j.id === `${p.project}:${episode}`)
      expect(job?.state, `${p.project}:${episode} kept provisional facts`).toBe("dead")
    }
    expect(p.episodes.length).toBeLessThanOrEqual(1)
  }
  // Without crashes, kills or hangs nothing is lost to a transient fault: every job commits.
  if (s.faults.stageCrash === 0 && s.killsAtMs.length === 0 && report.escalations === 0) {
    expect(report.jobs.filter((j) => j.state === "dead").map((j) => `${j.id}: ${j.reason}`)).toEqual([])
  }
}

describe("factory simulation (fast-check × TestClock)", () => {
  it("a fault-free run commits every episode in order, exactly once", async () => {
    const s: Scenario = { seed: 7, genres: [...genres], episodesPerProject: 3, concurrency: 2, faults: noFaults, faultWindowMs: 0, killsAtMs: [] }
    const report = await Effect.runPromise(simulate(s))
    checkInvariants(s, report)
    expect(report.jobs.every((j) => j.state === "committed")).toBe(true)
    expect(report.commits).toHaveLength(9)
  })

  it("a kill mid-run loses nothing and duplicates nothing", async () => {
    const s: Scenario = {
      seed: 11,
      genres: ["fantasy_kr", "modern_noir"],
      episodesPerProject: 4,
      concurrency: 2,
      faults: { ...noFaults, stageCrash: 0.1, llmTransient: 0.2 },
      faultWindowMs: 120_000,
      killsAtMs: [2_000, 30_000],
    }
    const report = await Effect.runPromise(simulate(s))
    checkInvariants(s, report)
    expect(report.generations).toBeGreaterThanOrEqual(3)
  })

  // Found by the property (seed 67143614): the workers crashed past their pool's intensity,
  // the pool escalated, and nothing restarted it — one job stayed queued for ever.
  it("a worker pool that gives up is restarted by its parent", async () => {
    const s: Scenario = {
      seed: 67143614,
      genres: ["fantasy_kr", "fantasy_kr"],
      episodesPerProject: 2,
      concurrency: 3,
      faults: { ...noFaults, stageCrash: 0.15, storeFailBefore: 0.2 },
      faultWindowMs: 40_001,
      killsAtMs: [],
    }
    checkInvariants(s, await Effect.runPromise(simulate(s)))
  })

  // The fault-free factory commits an episode every poll or two; a dead holder's job waits one lease.
  // A step must not add to that: no stall beyond one lease (and a few polls) whichever way the clock jumps.
  const STEP_RUNS = Math.max(10, Math.round(RUNS / 6))
  it(`wall-clock steps of ±1 h, with and without a kill, stall nothing beyond one lease (${STEP_RUNS} runs)`, async () => {
    const stepped: fc.Arbitrary<Scenario> = fc.record({
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      genres: fc.array(fc.constantFrom(...genres), { minLength: 1, maxLength: 3 }),
      episodesPerProject: fc.integer({ min: 2, max: 4 }),
      concurrency: fc.integer({ min: 1, max: 4 }),
      faults: fc.constant(noFaults),
      faultWindowMs: fc.constant(0),
      killsAtMs: fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 1 }),
      clockSteps: fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 20_000 }), stepMs: fc.constantFrom(-3_600_000, 3_600_000) }), { minLength: 1, maxLength: 2 }),
    })
    await fc.assert(
      fc.asyncProperty(stepped, async (s) => {
        const report = await Effect.runPromise(simulate(s))
        checkInvariants(s, report)
        expect(report.jobs.filter((j) => j.state !== "committed").map((j) => j.id)).toEqual([])
        expect(report.longestStallMs, "a stall longer than one lease").toBeLessThanOrEqual(SIMULATION_LEASE_MS + 5_000)
      }),
      { numRuns: STEP_RUNS, verbose: 1 },
    )
  }, 600_000)

  it(`random fault schedules keep every guarantee (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const report = await Effect.runPromise(simulate(s))
        checkInvariants(s, report)
      }),
      { numRuns: RUNS, verbose: 1 },
    )
  }, 600_000)
})

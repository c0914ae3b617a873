/**
 * `load` against a factory whose writer is a paid LLM (`llm.kind: openai`, the loopback simulator
 * as the provider): it refuses before sending anything unless `--allow-spend`, and its project
 * lives in the reserved `nf-load-` namespace that users cannot take.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadCommand } from "../../../src/cli/commands/load.ts"
import { type Simulator, startSimulator } from "../../../src/llm/Simulator.ts"
import { runCommand } from "../../support/cliHarness.ts"
import { api, type FactoryProcess, makeDataDir, startServe, stopProcess, writeSimulatorConfig } from "../../support/factoryProcess.ts"

const MODEL = "sim-writer"
const data = makeDataDir("nf-load-spend-")
let sim: Simulator
let serve: FactoryProcess
const load = (...argv: Array<string>) => runCommand([loadCommand], ["load", ...argv], {}, data.dir)
const loadProjects = async () =>
  ((await api(serve.url, "GET", "/api/v1/projects")).json as Array<{ slug: string }>).map((p) => p.slug).filter((s) => s.startsWith("nf-load-"))

beforeAll(async () => {
  sim = await startSimulator({ seed: 7 })
  writeSimulatorConfig(data.dir, { url: sim.url, model: MODEL, llm: ["timeoutMs: 10000"] })
  serve = await startServe(data.dir, { SIM_KEY: "dummy" })
}, 60_000)
afterAll(async () => {
  if (serve) await stopProcess(serve)
  if (sim) await sim.close()
  data.cleanup()
})

describe("load against a factory with a paid writer", () => {
  it("the status answer names the writer's route and model and says it is paid", async () => {
    const status = await api(serve.url, "GET", "/api/v1/status")
    expect(status.json.writer).toEqual({ route: "openai", model: MODEL, baseUrl: sim.url, paid: true })
  })

  it("refuses with exit 2 naming the paid writer and --allow-spend, before creating or enqueuing anything", async () => {
    const run = await load("--url", serve.url, "--rps", "10", "--duration", "1s")
    expect(run.code).toBe(2)
    expect(run.err).toContain(`refusing to load-test ${serve.url}: the factory writes with a paid LLM (openai model ${MODEL} at ${sim.url})`)
    expect(run.err).toContain("Pass --allow-spend")
    expect(run.out).not.toContain("requests to")
    expect(await loadProjects()).toEqual([])
    const queue = (await api(serve.url, "GET", "/api/v1/status")).json.queue
    expect(queue.queued + queue.inFlight + queue.committed + queue.dead).toBe(0)
    expect(sim.stats().requests).toBe(0)
  })

  it("a mix without enqueues writes nothing, so it runs without --allow-spend", async () => {
    const run = await load("--url", serve.url, "--rps", "10", "--duration", "1s", "--mix", "status=1", "--slo-p95", "5s", "--min-requests", "5")
    expect(run.err).toBe("")
    expect(run.code).toBe(0)
    expect(run.out).toContain("the mix enqueues nothing")
    expect(sim.stats().requests).toBe(0)
  })

  it("runs with --allow-spend, into an nf-load- project, and removes it afterwards", async () => {
    const run = await load("--url", serve.url, "--rps", "10", "--duration", "1s", "--slo-p95", "5s", "--min-requests", "5", "--allow-spend")
    expect(run.code).toBe(0)
    expect(run.out).toContain(`the factory writes with a paid LLM (openai model ${MODEL} at ${sim.url}); --allow-spend`)
    const slug = /project (nf-load-\d{8}-\d{6}-[0-9a-f]{4})\)/.exec(run.out)?.[1]
    expect(slug).toBeDefined()
    // removed (forced: the run is over) and gone from the factory
    expect(run.out).toContain(`load: removed the load-test project ${slug}`)
    expect(run.err).toBe("")
    expect(await loadProjects()).not.toContain(slug)
  })
})

describe("reserved slugs through the API", () => {
  it("refuses nf- slugs from users with 400 naming the slug, and a user's 'canary' is just a project", async () => {
    for (const slug of ["nf-canary", "nf-load-mine", "nf-anything"]) {
      const refused = await api(serve.url, "POST", "/api/v1/projects", { slug, genre: "fantasy_kr" })
      expect({ slug, status: refused.status }).toEqual({ slug, status: 400 })
      expect(refused.json.field).toBe("slug")
      expect(refused.json.detail).toContain(`the slug '${slug}' is reserved`)
    }
    // a load test's own purpose opens its part of the namespace only
    const notLoad = await api(serve.url, "POST", "/api/v1/projects", { slug: "nf-canary", genre: "fantasy_kr", purpose: "load-test" })
    expect(notLoad.status).toBe(400)
    expect(notLoad.json.detail).toBe("a load-test project's slug must start 'nf-load-', got 'nf-canary'")
    expect((await api(serve.url, "POST", "/api/v1/projects", { slug: "nf-load-x", genre: "fantasy_kr", purpose: "canary" })).status).toBe(400)
    expect((await api(serve.url, "POST", "/api/v1/projects", { slug: "canary", genre: "fantasy_kr" })).status).toBe(201)
  })
})

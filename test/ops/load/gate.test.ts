import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadCommand } from "../../../src/cli/commands/load.ts"
import { CSV_HEADER } from "../../../src/ops/load/Summary.ts"
import { runCommand } from "../../support/cliHarness.ts"
import { callApi, type FactoryProcess, makeDataDir, startServe, stopProcess } from "../../support/factoryProcess.ts"

const data = makeDataDir("nf-load-")
let serve: FactoryProcess
const load = (...argv: Array<string>) => runCommand([loadCommand], ["load", ...argv], {}, data.dir)

beforeAll(async () => {
  serve = await startServe(join(data.dir, "home"))
}, 60_000)
afterAll(async () => {
  if (serve) await stopProcess(serve)
  data.cleanup()
})

describe("novel-factory load (against a real serve)", () => {
  it("passes the gate at 20 req/s for 3 s, writing one CSV row per request and a Markdown summary", async () => {
    const run = await load("--url", serve.url, "--rps", "20", "--duration", "3s", "--slo-p95", "5s", "--max-error", "1%", "--min-requests", "10", "--csv", "out.csv", "--md", "out.md")
    expect(run.err).toBe("")
    expect(run.code).toBe(0)
    expect(run.out).toContain("load: the factory writes with the offline writer ($0)")
    expect(run.out).toMatch(/load: 60 requests to http:\/\/127\.0\.0\.1:\d+ at 20 req\/s/)
    expect(run.out).toMatch(/p50 [\d.]+ m?s\s+p95 [\d.]+ m?s\s+p99 [\d.]+ m?s/)
    expect(run.out).toContain("PASS: every SLO holds")
    const csv = readFileSync(join(data.dir, "out.csv"), "utf8").trim().split("\n")
    expect(csv[0]).toBe(CSV_HEADER)
    expect(csv).toHaveLength(61)
    const kinds = csv.slice(1).map((row) => row.split(",")[1])
    expect(new Set(kinds)).toEqual(new Set(["status", "enqueue", "job"]))
    expect(csv.slice(1).every((row) => row.split(",")[9] === "true")).toBe(true)
    const md = readFileSync(join(data.dir, "out.md"), "utf8")
    expect(md).toContain("# Load test: PASS ✅")
    expect(md).toMatch(/\| p95 latency \| `--slo-p95` \| ≤ 5\.00 s \| .* \| ✅ pass \|/)
    // the enqueues really reached the factory, and its project was deleted (forced) at the end
    const slug = /load: removed the load-test project (nf-load-\S+)/.exec(run.out)?.[1]
    expect(slug, run.out).toBeDefined()
    expect((await callApi(serve.url, (c) => c.projects.list())).map((p) => p.slug)).not.toContain(slug)
    const events = await callApi(serve.url, (c) => c.factory.recentEvents({ query: { limit: "10000" } }))
    expect(events.filter((e) => e._tag === "JobEnqueued" && e.project === slug).length).toBeGreaterThanOrEqual(10)
    const deleted = events.find((e) => e._tag === "OperatorActed" && e.action === "delete" && e.project === slug)
    expect(deleted && deleted._tag === "OperatorActed" ? deleted.detail : "", "the delete is journalled").toMatch(/^deleted \d+ episodes? and \d+ jobs?; ledger rows kept$/)
  })

  it("fails the gate (exit 1) naming each SLO made impossible", async () => {
    const run = await load("--url", serve.url, "--rps", "10", "--duration", "1s", "--slo-p95", "0ms", "--min-requests", "1000", "--md", "fail.md")
    expect(run.code).toBe(1)
    expect(run.err).toMatch(/^FAIL: p95 latency .*\(--slo-p95\); requests 10, objective ≥ 1000 \(--min-requests\)$/)
    expect(run.err).not.toContain("--max-error")
    expect(readFileSync(join(data.dir, "fail.md"), "utf8")).toContain("# Load test: FAIL ❌")
  })

  it("an unreachable server is exit 1 before any load is sent", async () => {
    const run = await load("--url", "http://127.0.0.1:9", "--duration", "1s", "--timeout", "2s")
    expect(run.code).toBe(1)
    expect(run.err).toContain("cannot reach http://127.0.0.1:9")
  })

  it("bad flags exit 2 naming the flag", async () => {
    const cases: Array<[Array<string>, RegExp]> = [
      [[], /--url: required/],
      [["--url", "ftp://x"], /--url: expected an http\(s\) URL/],
      [["--url", serve.url, "--duration", "60"], /--duration: expected a duration such as 500ms/],
      [["--url", serve.url, "--slo-p95", "fast"], /--slo-p95: expected a duration/],
      [["--url", serve.url, "--max-error", "1"], /--max-error: expected a percentage such as 1%/],
      [["--url", serve.url, "--rps", "0"], /--rps: must be greater than 0/],
      [["--url", serve.url, "--rps", "5000"], /--rps: at most 1000/],
      [["--url", serve.url, "--min-requests", "2.5"], /--min-requests: expected a whole number/],
      [["--url", serve.url, "--mix", "write=1"], /--mix: expected kind=weight/],
      [["--url", serve.url, "--durations", "1s"], /unknown option '--durations' \(did you mean 'duration'\?\)/],
    ]
    for (const [argv, message] of cases) {
      const run = await load(...argv)
      expect({ argv, code: run.code }).toEqual({ argv, code: 2 })
      expect(run.err).toMatch(message)
      expect(run.err).toContain("Usage: novel-factory load --url <url>")
    }
  })
})

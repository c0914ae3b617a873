/**
 * `npm run bench`: every benchmark, each reported as a ratio to a baseline measured in
 * the same run (never as a timed assertion). Pick some with `npm run bench -- queue supervision`.
 */
import type { BenchResult } from "./BenchResult.ts"

export type { BenchResult }

const suites: Record<string, () => Promise<ReadonlyArray<BenchResult>>> = {
  supervision: async () => (await import("./supervision.ts")).run(),
  queue: async () => (await import("./queue.ts")).run(),
  pipeline: async () => (await import("./pipeline.ts")).run(),
  redis: async () => (await import("./redis.ts")).run(),
  llm: async () => (await import("./llm.ts")).run(),
  llmCache: async () => (await import("./llmCache.ts")).run(),
  lengthVariance: async () => (await import("./lengthVariance.ts")).run(),
  dashboard: async () => (await import("./dashboard.ts")).run(),
  status: async () => (await import("./status.ts")).run(),
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3))

const wanted = process.argv.slice(2)
const unknown = wanted.filter((name) => !(name in suites))
if (unknown.length > 0) {
  process.stderr.write(`unknown bench suite(s): ${unknown.join(", ")}; available: ${Object.keys(suites).join(", ")}\n`)
  process.exit(2)
}
const selected = wanted.length > 0 ? wanted : Object.keys(suites)
const rows: Array<string> = ["| suite | measure | value | baseline | ratio | note |", "|---|---|---|---|---|---|"]
for (const name of selected) {
  process.stderr.write(`running ${name} …\n`)
  try {
    for (const r of await suites[name]!()) {
      rows.push(`| ${name} | ${r.name} | ${fmt(r.value)} ${r.unit} | ${r.baseline === undefined ? "" : fmt(r.baseline)} | ${r.ratio === undefined ? "" : `${fmt(r.ratio)}×`} | ${r.note ?? ""} |`)
    }
  } catch (error) {
    rows.push(`| ${name} | failed | | | | ${String(error instanceof Error ? error.message : error).split("\n")[0]} |`)
  }
}
process.stdout.write(`${rows.join("\n")}\n`)

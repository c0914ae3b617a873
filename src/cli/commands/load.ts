import { writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { Clock, Effect, Random } from "effect"
import { factoryTarget } from "../../ops/load/FactoryApiTarget.ts"
import { createLoadProject, describeCleanup, loadSlug, removeLoadProject } from "../../ops/load/LoadProject.ts"
import { askWriter, judgeSpend } from "../../ops/load/SpendGuard.ts"
import { LOAD_DEFAULTS, parseLoadFlags } from "./loadFlags.ts"
import { plannedRequests, runLoad } from "../../ops/load/LoadRunner.ts"
import { checkSlos, samplesCsv, summarize, summaryMarkdown } from "../../ops/load/Summary.ts"
import { formatMs, formatPercent } from "../../util/Units.ts"
import { type Command, CommandFailed, UsageError } from "../Command.ts"
import { table } from "./shared.ts"

const write = (cwd: string, file: string, text: string) =>
  Effect.try({
    try: () => writeFileSync(resolve(cwd, file), text),
    catch: (error) => new CommandFailed({ message: `cannot write ${file}: ${(error as Error).message}`, exitCode: 1 }),
  })

export const loadCommand: Command = {
  name: "load",
  summary: "load-test the API at a fixed arrival rate, gated on SLOs",
  usage: "load --url <url> [--rps 20] [--duration 60s] [--slo-p95 500ms] [--max-error 1%] [--min-requests 10] [--csv out.csv] [--md out.md] [--allow-spend]",
  details: [
    "Open model: request i is sent at start + i/rps whether or not earlier ones have answered, and its",
    "latency is measured from that intended time, so a stall shows in the percentiles (no coordinated omission).",
    "The mix enqueues episodes to a fresh project 'nf-load-…' (a reserved namespace no user project can take;",
    "created first, removed at the end), reads /api/v1/status and reads the jobs the enqueues returned.",
    "The run ends after --duration plus at most --timeout.",
    "Every enqueued episode is written by the factory's writer: when /api/v1/status reports a paid LLM writer",
    "(or does not report the writer), load refuses (exit 2) unless --allow-spend.",
    "Exit 0 when every SLO holds; 1 naming each SLO that failed (or when the server cannot be reached);",
    "2 for bad flags or a paid writer without --allow-spend.",
    "Durations: 500ms, 60s, 2m, 1h. Percentages: 1%, 0.5%. The token defaults to FACTORY_API_TOKEN.",
  ].join("\n"),
  options: {
    url: { type: "string", placeholder: "url", description: "the factory API, e.g. http://127.0.0.1:8080" },
    rps: { type: "string", placeholder: "n", description: `arrival rate, requests per second (default ${LOAD_DEFAULTS.rps})` },
    duration: { type: "string", placeholder: "duration", description: `how long to send (default ${LOAD_DEFAULTS.duration})` },
    "slo-p95": { type: "string", placeholder: "duration", description: `SLO: p95 latency at most (default ${LOAD_DEFAULTS.sloP95})` },
    "slo-p99": { type: "string", placeholder: "duration", description: "SLO: p99 latency at most (default: not gated)" },
    "max-error": { type: "string", placeholder: "percent", description: `SLO: error rate at most (default ${LOAD_DEFAULTS.maxError})` },
    "min-requests": { type: "string", placeholder: "n", description: `SLO: at least this many requests (default ${LOAD_DEFAULTS.minRequests})` },
    timeout: { type: "string", placeholder: "duration", description: `per-request timeout (default ${LOAD_DEFAULTS.timeout})` },
    "max-in-flight": { type: "string", placeholder: "n", description: `client safety bound on concurrent requests (default ${LOAD_DEFAULTS.maxInFlight})` },
    mix: { type: "string", placeholder: "kind=w,…", description: "request mix (default enqueue=1,status=2,job=1)" },
    genre: { type: "string", placeholder: "name", description: `genre of the load-test project (default ${LOAD_DEFAULTS.genre})` },
    token: { type: "string", placeholder: "token", description: "API bearer token (default FACTORY_API_TOKEN)" },
    csv: { type: "string", placeholder: "file", description: "write one CSV row per request" },
    md: { type: "string", placeholder: "file", description: "write a Markdown summary" },
    "allow-spend": { type: "boolean", description: "run even though the factory's writer is a paid LLM: the episodes enqueued are paid for" },
  },
  positionals: { min: 0, max: 0, names: [] },
  run: (args, io) =>
    Effect.gen(function* () {
      const settings = parseLoadFlags(args, io.env)
      if (settings instanceof UsageError) return yield* settings
      const call = { url: settings.url, token: settings.token, timeoutMs: settings.timeoutMs }
      const unreachable = (e: { readonly message: string }) => new CommandFailed({ message: e.message, exitCode: 1 })
      const writer = yield* askWriter(call).pipe(Effect.mapError(unreachable))
      const spend = judgeSpend({ url: settings.url, writer, enqueues: settings.mix.enqueue > 0, allowSpend: settings.allowSpend })
      if (spend._tag === "Refused") return yield* new CommandFailed({ message: spend.message, exitCode: 2 })
      io.out(`load: ${spend.note}`)
      const now = yield* Clock.currentTimeMillis
      const slug = loadSlug(now, yield* Random.next)
      // the project is removed however the run ends: passed, failed, or interrupted
      const samples = yield* Effect.acquireUseRelease(
        createLoadProject({ ...call, slug, genre: settings.genre }).pipe(Effect.mapError(unreachable)),
        () => {
          io.out(
            `load: ${plannedRequests(settings)} requests to ${settings.url} at ${settings.rps} req/s for ${formatMs(settings.durationMs)} (open model; project ${slug})`,
          )
          return runLoad(factoryTarget({ url: settings.url, token: settings.token, slug, mix: settings.mix }), settings)
        },
        () =>
          Effect.map(removeLoadProject({ ...call, slug }), (cleanup) => {
            if (cleanup._tag === "Removed") return io.out(`load: ${describeCleanup(cleanup)}`)
            // jobs left behind on a paid writer go on costing money after the run: say so where it is seen
            if (cleanup._tag === "Failed" || spend._tag === "Allowed") {
              return io.err(`load: ${describeCleanup(cleanup)}${spend._tag === "Allowed" ? "; its queued episodes will still be written, at the LLM's price" : ""}`)
            }
            return io.out(`load: ${describeCleanup(cleanup)}`)
          }),
      )
      const summary = summarize(samples, { url: settings.url, targetRps: settings.rps, durationMs: settings.durationMs })
      const slos = checkSlos(summary, settings.slos)
      const l = summary.latency
      io.out(`latency from intended send: p50 ${formatMs(l.p50)}  p95 ${formatMs(l.p95)}  p99 ${formatMs(l.p99)}  max ${formatMs(l.max)}`)
      io.out(`throughput: ${summary.throughputRps.toFixed(2)} ok req/s; errors: ${summary.errors}/${summary.requests} (${formatPercent(summary.errorRate)})`)
      for (const e of summary.topErrors) io.out(`  ${e.count} × ${e.error}`)
      io.out(table(
        ["SLO", "objective", "actual", "verdict"],
        slos.map((s) => [`${s.name} (${s.flag})`, s.objective, s.actual, s.ok ? "pass" : "FAIL"]),
      ))
      if (settings.csv !== undefined) {
        yield* write(io.cwd, settings.csv, samplesCsv(samples))
        io.out(`wrote ${settings.csv} (${samples.length} rows)`)
      }
      if (settings.md !== undefined) {
        yield* write(io.cwd, settings.md, summaryMarkdown(summary, slos, new Date(now).toISOString()))
        io.out(`wrote ${settings.md}`)
      }
      const failed = slos.filter((s) => !s.ok)
      if (failed.length === 0) {
        io.out("PASS: every SLO holds")
        return 0
      }
      io.err(`FAIL: ${failed.map((s) => `${s.name} ${s.actual}, objective ${s.objective} (${s.flag})`).join("; ")}`)
      return 1
    }),
}

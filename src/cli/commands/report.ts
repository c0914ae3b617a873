import { writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { Clock, Effect } from "effect"
import { gatherReportInput } from "../../ops/report/Gather.ts"
import { buildMonitoringReport, renderReport } from "../../ops/report/MonitoringReport.ts"
import { type Command, CommandFailed, type CommandIo, stringFlag, UsageError } from "../Command.ts"
import { withFactory } from "../FactoryContext.ts"
import { configOption, factoryOptions } from "./shared.ts"

const MAX_HOURS = 24 * 92

/** Seam for tests: how the command opens the factory. */
export interface ReportDeps {
  readonly withFactory: typeof withFactory
}

export const makeReportCommand = (deps: ReportDeps = { withFactory }): Command => ({
  name: "report",
  summary: "monitoring report from the event journal (Markdown)",
  usage: "report [--hours 24] [--out report.md] [--until <ISO time>]",
  details: [
    "Success rate per window, latency p50/p95/p99 per stage, hourly throughput with its baseline",
    "(mean ± 2σ; hours outside the band are flagged), restarts and recoveries with durations,",
    "alerts fired, backups, and LLM cost vs sales. Read from the event journal that `serve` and",
    "`run` keep in the factory's database (journal.retentionDays, default 30). Times are UTC.",
  ].join("\n"),
  options: {
    hours: { type: "string", placeholder: "n", description: "length of the window in hours (default 24)" },
    out: { type: "string", placeholder: "file", description: "write the report to this file instead of printing it" },
    until: { type: "string", placeholder: "ISO time", description: "end of the window (default now), e.g. 2025-01-06T00:00:00Z" },
    ...configOption,
  },
  positionals: { min: 0, max: 0, names: [] },
  run: (args, io: CommandIo) =>
    Effect.gen(function* () {
      const rawHours = stringFlag(args, "hours") ?? "24"
      const hours = Number(rawHours)
      if (!/^\d+$/.test(rawHours) || hours < 1 || hours > MAX_HOURS) {
        return yield* new UsageError({ message: `--hours expects a whole number from 1 to ${MAX_HOURS}, got '${rawHours}'` })
      }
      const rawUntil = stringFlag(args, "until")
      let until = yield* Clock.currentTimeMillis
      if (rawUntil !== undefined) {
        until = Date.parse(rawUntil)
        if (Number.isNaN(until)) return yield* new UsageError({ message: `--until expects an ISO time such as 2025-01-06T00:00:00Z, got '${rawUntil}'` })
      }
      const input = yield* deps.withFactory(
        io,
        gatherReportInput({ until, hours, env: io.env }).pipe(
          Effect.mapError((e) => new CommandFailed({ message: `cannot read the event journal: ${e.message}`, exitCode: 1 })),
        ),
        factoryOptions(args),
      )
      const report = buildMonitoringReport(input)
      const markdown = renderReport(report)
      const out = stringFlag(args, "out")
      if (out === undefined) {
        io.out(markdown.trimEnd())
        return 0
      }
      yield* Effect.try({
        try: () => writeFileSync(resolve(io.cwd, out), markdown),
        catch: (error) => new CommandFailed({ message: `cannot write ${out}: ${(error as Error).message}`, exitCode: 1 }),
      })
      const rates = report.success.map((w) => `${w.hours} h ${w.rate === null ? "–" : `${(w.rate * 100).toFixed(1)}%`}`).join(", ")
      io.out(`wrote ${out}: ${report.events} events, ${report.jobs.committed} committed, ${report.jobs.dead} dead; success ${rates}; ${report.alerts.length} alert(s)`)
      return 0
    }),
})

export const reportCommand: Command = makeReportCommand()

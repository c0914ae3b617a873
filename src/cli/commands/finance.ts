import { readFileSync, writeFileSync } from "node:fs"
import { basename, resolve } from "node:path"
import { Effect } from "effect"
import { FactoryConfig } from "../../config/FactoryConfig.ts"
import { Ledger, type LedgerError } from "../../finance/Ledger.ts"
import { buildCurrencyReport, csvPathFor, currencyReportCsv, formatMinor, reportCurrencyOf } from "../../finance/CurrencyReport.ts"
import { formatSalesError, parseSalesCsv, SALES_FORMATS, type SalesFormat } from "../../finance/Sales.ts"
import { SqliteLedger } from "../../finance/SqliteLedger.ts"
import { StoryStore } from "../../story/StoryStore.ts"
import { type Command, CommandFailed, type CommandIo, type ParsedArgs, stringFlag, UsageError } from "../Command.ts"
import { withFactory } from "../FactoryContext.ts"
import { configOption, table, factoryOptions } from "./shared.ts"

/** Runs a finance effect with the ledger on the factory's database; a ledger failure is exit 1. */
const withLedger = <A>(io: CommandIo, args: ParsedArgs, effect: Effect.Effect<A, LedgerError | CommandFailed, Ledger | FactoryConfig | StoryStore>) =>
  withFactory(
    io,
    effect.pipe(
      Effect.provide(SqliteLedger.layer),
      Effect.catchTag("LedgerError", (e) => Effect.fail(new CommandFailed({ message: e.message, exitCode: 1 }))),
    ),
    factoryOptions(args),
  )

const importSales: Command = {
  name: "import-sales",
  summary: "import a platform's sales settlement CSV (idempotent)",
  usage: "import-sales <file.csv> [--format generic|munpia]",
  details: [
    "generic columns: date,platform,project,episode,gross,fees,net,currency (dates YYYY-MM-DD).",
    "munpia columns: 정산일,플랫폼,작품,회차,매출,수수료,정산금액[,통화] (통화 defaults to KRW).",
    "Each row must name a project of the factory, an ISO 4217 currency, and add up: net = gross - fees (within 0.01).",
    "A file with any bad row is refused whole; every bad row is listed with its line and column (exit 2).",
    "Importing the same rows again adds nothing. Amounts stay in their own currency.",
  ].join("\n"),
  options: {
    format: { type: "string", placeholder: "generic|munpia", description: "the export's layout (default generic)" },
    ...configOption,
  },
  positionals: { min: 1, max: 1, names: ["file.csv"] },
  run: (args, io) =>
    Effect.gen(function* () {
      const format = (stringFlag(args, "format") ?? "generic") as SalesFormat
      if (!SALES_FORMATS.includes(format)) {
        return yield* new UsageError({ message: `--format must be one of ${SALES_FORMATS.join(", ")}, got '${format}'` })
      }
      const file = args.positionals[0]!
      const path = resolve(io.cwd, file)
      let text: string
      try {
        text = readFileSync(path, "utf8")
      } catch (error) {
        return yield* new UsageError({ message: `cannot read ${file}: ${(error as Error).message}` })
      }
      const imported = yield* withLedger(io, args, Effect.gen(function* () {
        // rows must name the factory's own projects: read them before parsing
        const projects = yield* (yield* StoryStore).listProjects.pipe(
          Effect.mapError((e) => new CommandFailed({ message: `cannot read the projects: ${e.message}`, exitCode: 1 })),
        )
        const parsed = parseSalesCsv(text, format, { knownProjects: new Set(projects.map((p) => p.project.slug)) })
        if (parsed._tag === "Invalid") {
          for (const e of parsed.errors) io.err(formatSalesError(file, e))
          const rows = new Set(parsed.errors.map((e) => e.line)).size
          return yield* new CommandFailed({
            message: `${file} refused: ${parsed.errors.length} problem(s) on ${rows} line(s); nothing was imported`,
            exitCode: 2,
          })
        }
        const ledger = yield* Ledger
        return { sales: parsed.sales, result: yield* ledger.importSales(parsed.sales, basename(path)) }
      }))
      const { sales, result } = imported
      const byCurrency = new Map<string, number>()
      for (const s of sales) byCurrency.set(s.currency, (byCurrency.get(s.currency) ?? 0) + s.netMinor)
      const totals = [...byCurrency].map(([c, n]) => `${(n / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })} ${c}`).join(", ")
      io.out(`imported ${result.inserted} sales row(s) from ${file}${result.duplicates > 0 ? ` (${result.duplicates} already imported, skipped)` : ""}; net in file: ${totals}`)
      return 0
    }),
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const dateFlag = (args: ParsedArgs, name: string): string | undefined | UsageError => {
  const raw = stringFlag(args, name)
  if (raw === undefined) return undefined
  if (!DATE.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`))) {
    return new UsageError({ message: `--${name} expects a date YYYY-MM-DD, got '${raw}'` })
  }
  return raw
}

const report: Command = {
  name: "report",
  summary: "daily LLM cost, sales and profit in the operator's currency (finance.reportCurrency)",
  usage: "report [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--csv finance.csv]",
  details:
    "Days are UTC. Sales are net of platform fees. The currency is finance.reportCurrency, else the imported sales' own when they are all " +
    "in one, else USD; costs (booked in USD) and sales are converted with finance.rates (e.g. KRW_per_USD: 1400), exactly, each day rounded " +
    "once to the currency's minor unit (KRW whole won; USD micro-dollars). The CSV is date,cost,sales,profit with the currency in the " +
    "file's name (finance.csv → finance-KRW.csv). Money spent on deleted projects stays in.",
  options: {
    from: { type: "string", placeholder: "YYYY-MM-DD", description: "first day (default: the first day with data)" },
    to: { type: "string", placeholder: "YYYY-MM-DD", description: "last day (default: the last day with data)" },
    csv: { type: "string", placeholder: "file", description: "also write date,cost,sales,profit to this file (its name gets the currency)" },
    ...configOption,
  },
  positionals: { min: 0, max: 0, names: [] },
  run: (args, io) =>
    Effect.gen(function* () {
      const from = dateFlag(args, "from")
      if (from instanceof UsageError) return yield* from
      const to = dateFlag(args, "to")
      if (to instanceof UsageError) return yield* to
      if (from !== undefined && to !== undefined && to < from) {
        return yield* new UsageError({ message: `--to ${to} is before --from ${from}` })
      }
      const result = yield* withLedger(io, args, Effect.gen(function* () {
        const ledger = yield* Ledger
        const finance = (yield* FactoryConfig).finance
        const costs = yield* ledger.dailyCosts({ from, to })
        const sales = yield* ledger.dailySales({ from, to })
        const currency = reportCurrencyOf(finance, (yield* ledger.dailySales()).map((s) => s.currency))
        return buildCurrencyReport(costs, sales, finance, currency, { from, to })
      }))
      if (result._tag === "MissingRates") {
        return yield* new CommandFailed({
          message: `cannot report in ${result.currency} without ${result.keys.map((k) => `finance.rates.${k}`).join(", ")}: set ${
            result.keys.length === 1 ? "it" : "them"
          } in the config (units of the currency one US dollar buys)`,
          exitCode: 2,
        })
      }
      const m = (minor: bigint) => formatMinor(minor, result.digits)
      if (result.rows.length === 0) {
        io.out("no LLM calls and no sales in this period")
      } else {
        const rows = result.rows.map((r) => [r.date, String(r.calls), m(r.cost), m(r.sales), m(r.profit)])
        rows.push(["total", String(result.totals.calls), m(result.totals.cost), m(result.totals.sales), m(result.totals.profit)])
        const c = result.currency
        io.out(table(["date", "calls", `cost (${c})`, `sales (${c})`, `profit (${c})`], rows))
        io.out(
          `in ${c}; sales are net of platform fees` +
            (result.ratesUsed.length > 0 ? `; converted with ${result.ratesUsed.join(", ")} (finance.rates)` : ""),
        )
        if (result.unpricedCalls > 0) {
          io.err(`${result.unpricedCalls} call(s) of models without a price were booked at $0: add them to finance.prices`)
        }
      }
      const csv = stringFlag(args, "csv")
      if (csv !== undefined) {
        const path = csvPathFor(csv, result.currency)
        try {
          writeFileSync(resolve(io.cwd, path), currencyReportCsv(result))
        } catch (error) {
          return yield* new CommandFailed({ message: `cannot write ${path}: ${(error as Error).message}`, exitCode: 1 })
        }
        io.out(`wrote ${path} (${result.rows.length} day(s), ${result.currency})`)
      }
      return 0
    }),
}

export const financeCommand: Command = {
  name: "finance",
  summary: "LLM costs against platform sales",
  usage: "finance <import-sales|report> …",
  options: {},
  positionals: { min: 0, max: 0, names: [] },
  subcommands: [importSales, report],
  run: () => Effect.fail(new UsageError({ message: "expected a subcommand: import-sales or report" })),
}

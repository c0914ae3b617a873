import { formatCsvRow } from "./Csv.ts"
import { type FinanceConfig, rateOf } from "./FinanceConfig.ts"
import { DAY_MS, type DailyCost, type DailySales } from "./Ledger.ts"

export interface ReportRow {
  readonly date: string
  readonly costUsd: number
  /** Net sales of the day converted to USD with the configured rates. */
  readonly salesUsd: number
  readonly profitUsd: number
  readonly calls: number
}

export type FinanceReport =
  | {
    readonly _tag: "Report"
    readonly rows: ReadonlyArray<ReportRow>
    /** The rates used, e.g. `KRW_per_USD=1400`. */
    readonly ratesUsed: ReadonlyArray<string>
    readonly unpricedCalls: number
    readonly totals: { readonly costUsd: number; readonly salesUsd: number; readonly profitUsd: number }
  }
  /** Sales in currencies without a configured rate: never converted by guess. */
  | { readonly _tag: "MissingRates"; readonly currencies: ReadonlyArray<string> }

const dayAfter = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10)

/**
 * One row per UTC day from `from` (or the first day with data) to `to` (or the last), days
 * without data included as zeros. Profit is net sales (after platform fees) minus LLM cost.
 */
export const buildReport = (
  costs: ReadonlyArray<DailyCost>,
  sales: ReadonlyArray<DailySales>,
  config: FinanceConfig,
  range: { readonly from?: string | undefined; readonly to?: string | undefined } = {},
): FinanceReport => {
  const currencies = [...new Set(sales.map((s) => s.currency))].sort()
  const missing = currencies.filter((c) => rateOf(config, c) === undefined)
  if (missing.length > 0) return { _tag: "MissingRates", currencies: missing }
  const ratesUsed = currencies.filter((c) => c !== "USD").map((c) => `${c}_per_USD=${rateOf(config, c)}`)

  const cost = new Map(costs.map((c) => [c.date, c]))
  const salesUsd = new Map<string, number>()
  for (const s of sales) salesUsd.set(s.date, (salesUsd.get(s.date) ?? 0) + s.netMinor / 100 / rateOf(config, s.currency)!)
  const days = [...cost.keys(), ...salesUsd.keys()].sort()
  const first = range.from ?? days[0]
  const last = range.to ?? days[days.length - 1]
  const rows: Array<ReportRow> = []
  if (first !== undefined && last !== undefined) {
    for (let d = first; d <= last; d = dayAfter(d)) {
      const c = cost.get(d)
      const s = salesUsd.get(d) ?? 0
      const costUsd = c?.costUsd ?? 0
      rows.push({ date: d, costUsd, salesUsd: s, profitUsd: s - costUsd, calls: c?.calls ?? 0 })
    }
  }
  const sum = (f: (r: ReportRow) => number) => rows.reduce((n, r) => n + f(r), 0)
  return {
    _tag: "Report",
    rows,
    ratesUsed,
    unpricedCalls: costs.reduce((n, c) => n + c.unpricedCalls, 0),
    totals: { costUsd: sum((r) => r.costUsd), salesUsd: sum((r) => r.salesUsd), profitUsd: sum((r) => r.profitUsd) },
  }
}

/** `sales_usd` names the conversion it used, e.g. `sales_usd(KRW_per_USD=1400)`. */
export const salesHeader = (ratesUsed: ReadonlyArray<string>): string =>
  ratesUsed.length === 0 ? "sales_usd" : `sales_usd(${ratesUsed.join(";")})`

const money = (n: number): string => (Math.abs(n) < 5e-7 ? 0 : n).toFixed(6)

export const reportCsv = (report: Extract<FinanceReport, { _tag: "Report" }>): string =>
  [
    formatCsvRow(["date", "cost_usd", salesHeader(report.ratesUsed), "profit_usd"]),
    ...report.rows.map((r) => formatCsvRow([r.date, money(r.costUsd), money(r.salesUsd), money(r.profitUsd)])),
  ].join("\n") + "\n"

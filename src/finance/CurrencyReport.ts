/**
 * The finance report in the operator's currency (`finance.reportCurrency`; by default the currency
 * of the imported sales when they are all in one, else USD). Costs are booked in USD and converted
 * with `finance.rates` (`KRW_per_USD` …); sales in any currency go through USD the same way.
 *
 * Money does not drift: every conversion is exact (integers and rationals, never a float times a
 * rate), and each day's cost and sales are rounded once, half away from zero, to the report's
 * precision — the currency's ISO 4217 minor unit (KRW 0 decimals, EUR 2), except USD, the ledger's
 * own currency, which keeps micro-dollars (one LLM call costs a fraction of a cent). A day's profit
 * is its rounded sales minus its rounded cost, and the totals are the sums of the rounded days: the
 * table and the CSV add up exactly. The totals then differ from converting the period's exact
 * totals by at most half a minor unit per day and column (the property test checks both).
 */
import { formatCsvRow } from "./Csv.ts"
import { type FinanceConfig, rateOf } from "./FinanceConfig.ts"
import { DAY_MS, type DailyCost, type DailySales } from "./Ledger.ts"

/** Digits after the decimal point the report shows in `currency`. */
export const reportDigits = (currency: string): number =>
  currency === "USD" ? 6 : new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2

/**
 * The currency the report is in: the configured one, else the sales' own when every imported
 * sale is in one currency, else USD.
 */
export const reportCurrencyOf = (config: FinanceConfig, salesCurrencies: ReadonlyArray<string>): string => {
  if (config.reportCurrency !== undefined) return config.reportCurrency
  const distinct = [...new Set(salesCurrencies)]
  return distinct.length === 1 ? distinct[0]! : "USD"
}

/** An exact fraction num/den, den > 0. */
interface Ratio {
  readonly num: bigint
  readonly den: bigint
}

const ratio = (num: bigint, den: bigint = 1n): Ratio => (den < 0n ? { num: -num, den: -den } : { num, den })
const add = (a: Ratio, b: Ratio): Ratio => ratio(a.num * b.den + b.num * a.den, a.den * b.den)
const times = (a: Ratio, b: Ratio): Ratio => ratio(a.num * b.num, a.den * b.den)
const over = (a: Ratio, b: Ratio): Ratio => ratio(a.num * b.den, a.den * b.num)

/** A JS number as the exact decimal it prints as (a configured rate, a ledger amount). */
export const exactDecimal = (x: number): Ratio => {
  const text = Math.abs(x) < 1e-6 || Math.abs(x) >= 1e21 ? x.toFixed(20) : String(x)
  const negative = text.startsWith("-")
  const [whole, fraction = ""] = (negative ? text.slice(1) : text).split(".")
  const num = BigInt(`${whole}${fraction}`) * (negative ? -1n : 1n)
  return ratio(num, 10n ** BigInt(fraction.length))
}

/** Rounded half away from zero to a whole number. */
export const roundHalfAway = (r: Ratio): bigint => {
  const twice = 2n * (r.num < 0n ? -r.num : r.num) + r.den
  const rounded = twice / (2n * r.den)
  return r.num < 0n ? -rounded : rounded
}

export interface CurrencyReportRow {
  readonly date: string
  /** In minor units of the report (10^-digits of the currency). */
  readonly cost: bigint
  readonly sales: bigint
  readonly profit: bigint
  readonly calls: number
}

export type CurrencyReport =
  | {
    readonly _tag: "Report"
    readonly currency: string
    readonly digits: number
    readonly rows: ReadonlyArray<CurrencyReportRow>
    readonly totals: { readonly cost: bigint; readonly sales: bigint; readonly profit: bigint; readonly calls: number }
    /** The rates used, e.g. `KRW_per_USD=1400`. */
    readonly ratesUsed: ReadonlyArray<string>
    readonly unpricedCalls: number
  }
  /** A conversion the config has no rate for: never guessed. `keys` are the rate keys to set. */
  | { readonly _tag: "MissingRates"; readonly currency: string; readonly keys: ReadonlyArray<string> }

const dayAfter = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10)

const NANO = 1_000_000_000n

/**
 * One row per UTC day from `from` (or the first day with data) to `to` (or the last), days without
 * data as zeros; `currency` as `reportCurrencyOf` chose it.
 */
export const buildCurrencyReport = (
  costs: ReadonlyArray<DailyCost>,
  sales: ReadonlyArray<DailySales>,
  config: FinanceConfig,
  currency: string,
  range: { readonly from?: string | undefined; readonly to?: string | undefined } = {},
): CurrencyReport => {
  // the report's own currency needs its rate only to convert something into it
  const intoReport = costs.length > 0 || sales.some((s) => s.currency !== currency) ? [currency] : []
  const needed = [...new Set([...intoReport, ...sales.map((s) => s.currency).filter((c) => c !== currency)])]
  const missing = needed.filter((c) => rateOf(config, c) === undefined).sort()
  if (missing.length > 0) return { _tag: "MissingRates", currency, keys: missing.map((c) => `${c}_per_USD`) }
  const rate = (c: string) => exactDecimal(rateOf(config, c)!)
  const digits = reportDigits(currency)
  const scale = ratio(10n ** BigInt(digits))
  // units of `currency` per USD, times the report's minor units per unit
  const perUsd = times(rate(currency), scale)

  const costByDay = new Map<string, Ratio>()
  const callsByDay = new Map<string, number>()
  for (const c of costs) {
    // the ledger's floats to the nano-dollar: far below any report precision
    const usd = ratio(BigInt(Math.round(c.costUsd * 1e9)), NANO)
    costByDay.set(c.date, add(costByDay.get(c.date) ?? ratio(0n), times(usd, perUsd)))
    callsByDay.set(c.date, (callsByDay.get(c.date) ?? 0) + c.calls)
  }
  const salesByDay = new Map<string, Ratio>()
  for (const s of sales) {
    // netMinor is in 1/100 of the sale's currency
    const inOwn = ratio(BigInt(s.netMinor), 100n)
    const converted = s.currency === currency ? times(inOwn, scale) : times(over(inOwn, rate(s.currency)), perUsd)
    salesByDay.set(s.date, add(salesByDay.get(s.date) ?? ratio(0n), converted))
  }
  const days = [...costByDay.keys(), ...salesByDay.keys()].sort()
  const first = range.from ?? days[0]
  const last = range.to ?? days[days.length - 1]
  const rows: Array<CurrencyReportRow> = []
  if (first !== undefined && last !== undefined) {
    for (let d = first; d <= last; d = dayAfter(d)) {
      const cost = roundHalfAway(costByDay.get(d) ?? ratio(0n))
      const sold = roundHalfAway(salesByDay.get(d) ?? ratio(0n))
      rows.push({ date: d, cost, sales: sold, profit: sold - cost, calls: callsByDay.get(d) ?? 0 })
    }
  }
  const sum = (f: (r: CurrencyReportRow) => bigint) => rows.reduce((n, r) => n + f(r), 0n)
  return {
    _tag: "Report",
    currency,
    digits,
    rows,
    totals: { cost: sum((r) => r.cost), sales: sum((r) => r.sales), profit: sum((r) => r.profit), calls: rows.reduce((n, r) => n + r.calls, 0) },
    ratesUsed: needed.filter((c) => c !== "USD").sort().map((c) => `${c}_per_USD=${rateOf(config, c)}`),
    unpricedCalls: costs.reduce((n, c) => n + c.unpricedCalls, 0),
  }
}

/** An amount booked in USD in minor units of `currency` (whose rate the caller knows is configured), rounded as the report rounds. */
export const usdToMinor = (usd: number, config: FinanceConfig, currency: string, digits: number): bigint =>
  roundHalfAway(times(times(ratio(BigInt(Math.round(usd * 1e9)), NANO), exactDecimal(rateOf(config, currency)!)), ratio(10n ** BigInt(digits))))

/** Minor units as a decimal string with the report's digits: `-1234.50`, `1400`. */
export const formatMinor = (minor: bigint, digits: number): string => {
  const negative = minor < 0n
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, "0")
  const whole = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`
  return negative ? `-${whole}` : whole
}

/** Minor units as a JSON number (the API): exact for any amount a factory will see. */
export const minorToNumber = (minor: bigint, digits: number): number => Number(formatMinor(minor, digits))

/** The plain CSV: `date,cost,sales,profit`; its currency is in the file's name (`csvPathFor`). */
export const currencyReportCsv = (report: Extract<CurrencyReport, { _tag: "Report" }>): string =>
  [
    formatCsvRow(["date", "cost", "sales", "profit"]),
    ...report.rows.map((r) => formatCsvRow([r.date, ...[r.cost, r.sales, r.profit].map((m) => formatMinor(m, report.digits))])),
  ].join("\n") + "\n"

/**
 * Where the CSV goes: the path asked for, with the currency in its name unless it already says it
 * (`finance.csv` → `finance-KRW.csv`), so the file states its currency once and stays plain.
 */
export const csvPathFor = (path: string, currency: string): string => {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"))
  const dir = path.slice(0, slash + 1)
  const name = path.slice(slash + 1)
  if (new RegExp(`(^|[^A-Za-z])${currency}([^A-Za-z]|$)`, "i").test(name)) return path
  const dot = name.lastIndexOf(".")
  return dot > 0 ? `${dir}${name.slice(0, dot)}-${currency}${name.slice(dot)}` : `${dir}${name}-${currency}`
}

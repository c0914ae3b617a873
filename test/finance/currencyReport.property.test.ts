/**
 * The finance report in the operator's currency does not drift: each day's cost and sales are the
 * exact conversion rounded once (half away from zero) to the currency's minor unit, profit is sales
 * minus cost to the unit, the totals are the sums of the days (so the table and the CSV add up),
 * and they differ from the exactly converted period totals by at most half a unit per day. The
 * reference is computed here in scaled integers, independently of the module's rationals.
 * A failure prints fast-check's seed and path.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { buildCurrencyReport, type CurrencyReportRow, csvPathFor, currencyReportCsv, formatMinor, reportCurrencyOf, reportDigits } from "../../src/finance/CurrencyReport.ts"
import type { DailyCost, DailySales } from "../../src/finance/Ledger.ts"

const RUNS = Math.max(100, Number(process.env["CHAOS_RUNS"] ?? "200"))
const DAYS = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
const NANO = 1_000_000_000n

/** Rates with at most two decimals, so rate × 100 is a whole number for the reference. */
const rate100 = (min: number, max: number) => fc.integer({ min: min * 100, max: max * 100 })

const cost = fc.record({
  date: fc.constantFrom(...DAYS),
  nano: fc.integer({ min: 0, max: 50_000_000_000 }), // up to $50 a day, to the nano-dollar
  calls: fc.integer({ min: 1, max: 500 }),
})
const sale = fc.record({
  date: fc.constantFrom(...DAYS),
  currency: fc.constantFrom("KRW", "USD", "JPY"),
  netMinor: fc.integer({ min: -500_000, max: 50_000_000 }), // refunds too
})

const abs = (n: bigint) => (n < 0n ? -n : n)

describe("finance report in the operator's currency", () => {
  it(`rounds each day once; rows add up exactly; totals within half a unit a day of the exact conversion (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.array(cost, { maxLength: 8 }),
        fc.array(sale, { maxLength: 8 }),
        rate100(900, 1_600),
        rate100(90, 170),
        fc.constantFrom("KRW", "USD", "JPY"),
        (costRows, saleRows, krw100, jpy100, currency) => {
          // one ledger row per day (and currency), as the ledger aggregates
          const costs: Array<DailyCost> = DAYS.flatMap((date) => {
            const of = costRows.filter((c) => c.date === date)
            if (of.length === 0) return []
            const nano = of.reduce((n, c) => n + c.nano, 0)
            return [{ date, costUsd: nano / 1e9, calls: of.reduce((n, c) => n + c.calls, 0), unpricedCalls: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0 }]
          })
          const sales: Array<DailySales> = DAYS.flatMap((date) =>
            ["KRW", "USD", "JPY"].flatMap((cur) => {
              const of = saleRows.filter((s) => s.date === date && s.currency === cur)
              if (of.length === 0) return []
              const net = of.reduce((n, s) => n + s.netMinor, 0)
              return [{ date, currency: cur, grossMinor: net, feesMinor: 0, netMinor: net, rows: of.length }]
            })
          )
          const rates100: Record<string, bigint> = { USD: 100n, KRW: BigInt(krw100), JPY: BigInt(jpy100) }
          const config = { rates: { KRW_per_USD: krw100 / 100, JPY_per_USD: jpy100 / 100 } }
          const report = buildCurrencyReport(costs, sales, config, currency)
          if (report._tag !== "Report") throw new Error(`unexpected ${report._tag}`)
          const scale = 10n ** BigInt(reportDigits(currency))
          expect(report.digits).toBe(currency === "USD" ? 6 : 0)

          // Reference, scaled by a common denominator D = 1e9 · 100 · 100 · Π(rates of the sale currencies · 100)
          // — simpler: compare each day as rationals over 1e9·100·100·rate(sale currency)·100.
          for (const row of report.rows) {
            const costNano = BigInt(costs.find((c) => c.date === row.date) ? Math.round(costs.find((c) => c.date === row.date)!.costUsd * 1e9) : 0)
            // exact cost in minor units = costNano · rateC/100 · scale / 1e9
            const costDen = NANO * 100n
            const costNum = costNano * rates100[currency]! * scale
            expect(abs(row.cost * costDen - costNum) * 2n <= costDen).toBe(true)
            // exact sales = Σ netMinor/100 / (rateX/100) · (rateC/100) · scale = Σ netMinor · rateC · scale / (100 · rateX)
            const ofDay = sales.filter((s) => s.date === row.date)
            const salesDen = ofDay.reduce((d, s) => d * 100n * rates100[s.currency]!, 1n)
            const salesNum = ofDay.reduce(
              (n, s) => n + (BigInt(s.netMinor) * rates100[currency]! * scale * salesDen) / (100n * rates100[s.currency]!),
              0n,
            )
            expect(abs(row.sales * salesDen - salesNum) * 2n <= salesDen, `sales of ${row.date}`).toBe(true)
            expect(row.profit).toBe(row.sales - row.cost)
          }
          const sum = (f: (r: CurrencyReportRow) => bigint) => report.rows.reduce((n, r) => n + f(r), 0n)
          expect(report.totals).toEqual({ cost: sum((r) => r.cost), sales: sum((r) => r.sales), profit: sum((r) => r.profit), calls: costs.reduce((n, c) => n + c.calls, 0) })
          // The period's exact total cost, rounded, is within half a unit a day of the sum of the rounded days.
          const totalNano = costs.reduce((n, c) => n + BigInt(Math.round(c.costUsd * 1e9)), 0n)
          const exactCostNum = totalNano * rates100[currency]! * scale
          expect(abs(report.totals.cost * NANO * 100n - exactCostNum) * 2n <= NANO * 100n * BigInt(Math.max(1, report.rows.length))).toBe(true)

          // The CSV is plain date,cost,sales,profit and adds up to the same totals.
          const lines = currencyReportCsv(report).trimEnd().split("\n")
          expect(lines[0]).toBe("date,cost,sales,profit")
          const cells = lines.slice(1).map((l) => l.split(","))
          expect(cells.map((c) => c[0])).toEqual(report.rows.map((r) => r.date))
          const column = (i: number) => cells.reduce((n, c) => n + BigInt(c[i]!.replace(".", "")), 0n)
          expect([column(1), column(2), column(3)]).toEqual([report.totals.cost, report.totals.sales, report.totals.profit])
        },
      ),
      { numRuns: RUNS, verbose: 1 },
    )
  })

  it("KRW sales in whole won come out to the won; the report's currency defaults to the sales' one", () => {
    const sales: Array<DailySales> = [{ date: "2026-03-01", currency: "KRW", grossMinor: 1_000_000, feesMinor: 300_000, netMinor: 700_000, rows: 1 }]
    const costs: Array<DailyCost> = [{ date: "2026-03-01", costUsd: 0.123456789, calls: 3, unpricedCalls: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0 }]
    expect(reportCurrencyOf({}, ["KRW", "KRW"])).toBe("KRW")
    expect(reportCurrencyOf({}, ["KRW", "USD"])).toBe("USD")
    expect(reportCurrencyOf({}, [])).toBe("USD")
    expect(reportCurrencyOf({ reportCurrency: "JPY" }, ["KRW"])).toBe("JPY")
    const report = buildCurrencyReport(costs, sales, { rates: { KRW_per_USD: 1387.5 } }, "KRW")
    // 7 000 won exactly; $0.123456789 × 1387.5 = 171.29629… won → 171
    expect(report).toMatchObject({ _tag: "Report", currency: "KRW", digits: 0, rows: [{ cost: 171n, sales: 7_000n, profit: 6_829n }] })
    expect(buildCurrencyReport(costs, sales, {}, "KRW")).toEqual({ _tag: "MissingRates", currency: "KRW", keys: ["KRW_per_USD"] })
    expect(formatMinor(-5n, 2)).toBe("-0.05")
    expect(formatMinor(1_234_500n, 6)).toBe("1.234500")
    expect(csvPathFor("out/finance.csv", "KRW")).toBe("out/finance-KRW.csv")
    expect(csvPathFor("finance-krw.csv", "KRW")).toBe("finance-krw.csv")
    expect(csvPathFor("finance", "USD")).toBe("finance-USD")
  })
})

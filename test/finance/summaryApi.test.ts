/**
 * `GET /api/v1/finance/summary` of a running `serve` answers in the operator's currency: with every
 * imported sale in KRW and a KRW rate configured, the days, today's spend and the cap are in won
 * (`currency: "KRW"`), whole won; a bad `days` is a 400 problem.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, type FactoryProcess, makeDataDir, runCli, startServe, stopProcess } from "../support/factoryProcess.ts"

const data = makeDataDir("nf-finance-api-")
let serve: FactoryProcess

beforeAll(async () => {
  writeFileSync(join(data.dir, "factory.yaml"), [
    "finance:",
    "  dailyBudgetUsd: 10",
    "  rates: { KRW_per_USD: 1387.5 }",
    "canary: { enabled: false }",
    "",
  ].join("\n"))
  serve = await startServe(data.dir)
}, 60_000)
afterAll(async () => {
  if (serve) await stopProcess(serve)
  data.cleanup()
})

describe("finance summary in the operator's currency", () => {
  it("KRW sales only: the summary is in whole won, the cap converted at the configured rate", async () => {
    const json = { "content-type": "application/json" }
    expect((await api(serve.url, "POST", "/api/v1/projects", { slug: "won", genre: "fantasy_kr" }, json)).status).toBe(201)
    const today = new Date().toISOString().slice(0, 10)
    writeFileSync(join(data.dir, "sales.csv"), [
      "date,platform,project,episode,gross,fees,net,currency",
      `${today},kakao,won,1,10000,3000,7000,KRW`,
      `${today},naver,won,2,5000,1500,3500,KRW`,
    ].join("\n"))
    const imported = await runCli(["finance", "import-sales", join(data.dir, "sales.csv")], { FACTORY_HOME: data.dir })
    expect(imported.code, imported.stderr).toBe(0)

    const summary = await api(serve.url, "GET", "/api/v1/finance/summary?days=7")
    expect(summary.status, summary.text).toBe(200)
    expect(summary.json.currency).toBe("KRW")
    expect(summary.json.missingRates).toEqual([])
    const day = (summary.json.days as Array<{ date: string; cost: number; sales: number; profit: number }>).find((d) => d.date === today)
    expect(day).toMatchObject({ cost: 0, sales: 10_500, profit: 10_500 })
    // $10 × 1387.5 won
    expect(summary.json.today).toMatchObject({ spend: 0, cap: 13_875 })

    const bad = await api(serve.url, "GET", "/api/v1/finance/summary?days=0")
    expect(bad.status).toBe(400)
    expect(bad.headers.get("content-type")).toContain("application/problem+json")
  }, 60_000)
})

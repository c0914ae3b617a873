import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { runCli } from "../../src/cli/Cli.ts"
import { financeCommand } from "../../src/cli/commands/finance.ts"
import { newCommand } from "../../src/cli/commands/story.ts"

const setup = () => {
  const dir = mkdtempSync(join(tmpdir(), "nf-finance-"))
  const out: Array<string> = []
  const err: Array<string> = []
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: { FACTORY_HOME: join(dir, "home") }, cwd: dir }
  const run = (...argv: Array<string>) => {
    out.length = 0
    err.length = 0
    return runCli([financeCommand, newCommand], "test", argv, io)
  }
  /** Sales must name a project of the factory. */
  const withProject = async (slug = "p") => {
    if ((await run("new", slug, "--genre", "fantasy_kr")) !== 0) throw new Error(err.join("\n"))
  }
  return { dir, out, err, run, withProject }
}

const HEADER = "date,platform,project,episode,gross,fees,net,currency"

describe("novel-factory finance", () => {
  it("refuses a file with bad rows whole (exit 2, every row named), then imports a good one once", async () => {
    const { dir, out, err, run, withProject } = setup()
    await withProject()
    writeFileSync(join(dir, "bad.csv"), [HEADER, "2025-03-01,kakao,p,1,1000,300,700,KRW", "2025-03-01,kakao,p,1,abc,300,700,KRW", "2025-13-01,kakao,p,1,1000,300,700,KRW"].join("\n"))
    expect(await run("finance", "import-sales", "bad.csv")).toBe(2)
    expect(err.join("\n")).toMatch(/bad\.csv:3: column 'gross'/)
    expect(err.join("\n")).toMatch(/bad\.csv:4: column 'date'/)
    expect(err.join("\n")).toMatch(/nothing was imported/)

    writeFileSync(join(dir, "good.csv"), [HEADER, "2025-03-01,kakao,p,1,1400,0,1400,KRW", "2025-03-02,amazon,p,,2.50,0,2.50,USD"].join("\r\n"))
    expect(await run("finance", "import-sales", "good.csv")).toBe(0)
    expect(out.join("\n")).toMatch(/imported 2 sales row/)
    expect(await run("finance", "import-sales", "good.csv")).toBe(0)
    expect(out.join("\n")).toMatch(/imported 0 sales row.*2 already imported/)

    // Mixed sales report in USD, and KRW has no configured rate: refused, the key named.
    expect(await run("finance", "report")).toBe(2)
    expect(err.join("\n")).toContain("cannot report in USD without finance.rates.KRW_per_USD")

  })

  it("reports per day in the operator's currency: USD for mixed sales, the configured one otherwise, the currency in the CSV's name", async () => {
    const { dir, out, err, run, withProject } = setup()
    await withProject()
    writeFileSync(join(dir, "good.csv"), [HEADER, "2025-03-01,kakao,p,1,1400,0,1400,KRW", "2025-03-02,amazon,p,,2.50,0,2.50,USD"].join("\r\n"))
    expect(await run("finance", "import-sales", "good.csv")).toBe(0)
    writeFileSync(join(dir, "factory.yaml"), "finance:\n  rates:\n    KRW_per_USD: 1400\n")
    // mixed KRW and USD sales: USD by default
    const code = await run("finance", "report", "--config", "factory.yaml", "--csv", "finance.csv")
    if (code !== 0) throw new Error(err.join("\n"))
    expect(out.join("\n")).toContain("wrote finance-USD.csv (2 day(s), USD)")
    expect(readFileSync(join(dir, "finance-USD.csv"), "utf8").trim().split("\n")).toEqual([
      "date,cost,sales,profit",
      "2025-03-01,0.000000,1.000000,1.000000",
      "2025-03-02,0.000000,2.500000,2.500000",
    ])

    // in won: whole won, the table says so
    writeFileSync(join(dir, "factory.yaml"), "finance:\n  reportCurrency: KRW\n  rates:\n    KRW_per_USD: 1400\n")
    expect(await run("finance", "report", "--config", "factory.yaml", "--csv", "out.csv")).toBe(0)
    expect(out.join("\n")).toMatch(/cost \(KRW\)\s+sales \(KRW\)\s+profit \(KRW\)/)
    expect(out.join("\n")).toContain("in KRW; sales are net of platform fees; converted with KRW_per_USD=1400 (finance.rates)")
    expect(readFileSync(join(dir, "out-KRW.csv"), "utf8").trim().split("\n")).toEqual([
      "date,cost,sales,profit",
      "2025-03-01,0,1400,1400",
      "2025-03-02,0,3500,3500",
    ])

    // a report currency without its rate: refused at load, the key named
    writeFileSync(join(dir, "factory.yaml"), "finance:\n  reportCurrency: JPY\n  rates:\n    KRW_per_USD: 1400\n")
    expect(await run("finance", "report", "--config", "factory.yaml")).toBe(2)
    expect(err.join("\n")).toContain("finance.reportCurrency: a report in JPY needs finance.rates.JPY_per_USD (costs are booked in USD)")
    writeFileSync(join(dir, "factory.yaml"), "finance:\n  reportCurrency: WON\n")
    expect(await run("finance", "report", "--config", "factory.yaml")).toBe(2)
    expect(err.join("\n")).toContain("'WON' is not a currency code")
  })

  it("refuses rows that do not add up, name an unknown project or a made-up currency, naming each line", async () => {
    const { dir, out, err, run, withProject } = setup()
    await withProject()
    writeFileSync(join(dir, "sales.csv"), [
      HEADER,
      "2025-03-01,kakao,p,1,1000,300,700,KRW", // fine
      "2025-03-01,kakao,p,2,1000.00,300.00,700.01,KRW", // fine: a platform's rounding
      "2025-03-01,kakao,p,3,1000,300,900,KRW", // 900 ≠ 1000 − 300
      "2025-03-01,kakao,nobody,1,1000,300,700,KRW", // no such project
      "2025-03-01,kakao,p,4,1000,300,700,KRX", // no such currency
    ].join("\n"))
    expect(await run("finance", "import-sales", "sales.csv")).toBe(2)
    expect(err.slice(0, 3)).toEqual([
      "sales.csv:4: column 'net': net 900.00 is not gross 1,000.00 − fees 300.00 = 700.00",
      "sales.csv:5: column 'project': unknown project 'nobody' (the factory's projects: p)",
      "sales.csv:6: column 'currency': 'KRX' is not a currency code (ISO 4217, e.g. KRW, USD)",
    ])
    expect(err.join("\n")).toMatch(/nothing was imported/)
    // all or none: the two good rows were not imported either
    writeFileSync(join(dir, "good.csv"), [HEADER, "2025-03-01,kakao,p,1,1000,300,700,KRW", "2025-03-01,kakao,p,2,1000.00,300.00,700.01,KRW"].join("\n"))
    expect(await run("finance", "import-sales", "good.csv")).toBe(0)
    expect(out.join("\n")).toMatch(/imported 2 sales row\(s\)/)
  })

  it("validates its flags", async () => {
    const { run, err } = setup()
    expect(await run("finance", "import-sales", "x.csv", "--format", "excel")).toBe(2)
    expect(err.join("\n")).toMatch(/--format must be one of generic, munpia/)
    expect(await run("finance", "import-sales", "missing.csv")).toBe(2)
    expect(await run("finance", "report", "--from", "2025-3-1")).toBe(2)
    expect(await run("finance")).toBe(2)
  })
})

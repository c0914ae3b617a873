import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { runCli } from "../../src/cli/Cli.ts"
import { FactoryConfigSchema } from "../../src/config/FactoryConfig.ts"
import { financeCommand } from "../../src/cli/commands/finance.ts"

const setup = () => {
  const dir = mkdtempSync(join(tmpdir(), "nf-finance-"))
  const out: Array<string> = []
  const err: Array<string> = []
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: { FACTORY_HOME: join(dir, "home") }, cwd: dir }
  const run = (...argv: Array<string>) => {
    out.length = 0
    err.length = 0
    return runCli([financeCommand], "test", argv, io)
  }
  return { dir, out, err, run }
}

const HEADER = "date,platform,project,episode,gross,fees,net,currency"

describe("novel-factory finance", () => {
  it("refuses a file with bad rows whole (exit 2, every row named), then imports a good one once", async () => {
    const { dir, out, err, run } = setup()
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

    // KRW without a configured rate: refused, the key named.
    expect(await run("finance", "report")).toBe(2)
    expect(err.join("\n")).toMatch(/finance\.rates\.KRW_per_USD/)

  })

  // Needs `finance: Schema.optionalKey(FinanceConfig)` in FactoryConfigSchema (the lead plugs it in).
  it.skipIf(!("finance" in FactoryConfigSchema.fields))("reports per day with the configured rate to a CSV file", async () => {
    const { dir, err, run } = setup()
    writeFileSync(join(dir, "good.csv"), [HEADER, "2025-03-01,kakao,p,1,1400,0,1400,KRW", "2025-03-02,amazon,p,,2.50,0,2.50,USD"].join("\r\n"))
    expect(await run("finance", "import-sales", "good.csv")).toBe(0)
    writeFileSync(join(dir, "factory.yaml"), "finance:\n  rates:\n    KRW_per_USD: 1400\n")
    const code = await run("finance", "report", "--config", "factory.yaml", "--csv", "finance.csv")
    if (code !== 0) throw new Error(err.join("\n"))
    const csv = readFileSync(join(dir, "finance.csv"), "utf8").trim().split("\n")
    expect(csv).toEqual([
      "date,cost_usd,sales_usd(KRW_per_USD=1400),profit_usd",
      "2025-03-01,0.000000,1.000000,1.000000",
      "2025-03-02,0.000000,2.500000,2.500000",
    ])
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

import { describe, expect, it } from "@effect/vitest"
import { parseAmount, parseSalesCsv } from "../../src/finance/Sales.ts"

const GENERIC = [
  "date,platform,project,episode,gross,fees,net,currency",
  "2025-03-01,kakao,my-novel,1,1000,300,700,KRW",
  '2025-03-01,"Ridi, Inc.",my-novel,,"1,200.50",360.15,840.35,usd',
].join("\r\n")

describe("sales import parsing", () => {
  it("parses the generic format (quoted commas, empty episode, lower-case currency)", () => {
    const parsed = parseSalesCsv(GENERIC, "generic")
    expect(parsed._tag).toBe("Ok")
    if (parsed._tag !== "Ok") return
    expect(parsed.sales).toHaveLength(2)
    expect(parsed.sales[1]).toMatchObject({ platform: "Ridi, Inc.", episode: null, currency: "USD", grossMinor: 120_050, feesMinor: 36_015, netMinor: 84_035 })
    expect(parsed.sales[0]).toMatchObject({ date: "2025-03-01", episode: 1, currency: "KRW", netMinor: 70_000 })
  })

  it("reports every bad row with its line and column, and returns no sales", () => {
    const text = [
      "date,platform,project,episode,gross,fees,net,currency",
      "2025-03-01,kakao,my-novel,1,1000,300,700,KRW", // line 2 ok
      "2025-02-30,kakao,my-novel,1,1000,300,700,KRW", // line 3: no such date
      "2025-03-02,,my-novel,x,1000,3OO,700,KRWW", // line 4: platform, episode, fees, currency
      "2025-03-03,kakao,my-novel,2,1000,300", // line 5: too few fields
      '"2025-03-04,kakao,my-novel,2,1000,300,700,KRW', // line 6: unclosed quote
    ].join("\n")
    const parsed = parseSalesCsv(text, "generic")
    expect(parsed._tag).toBe("Invalid")
    if (parsed._tag !== "Invalid") return
    expect(parsed.errors.map((e) => [e.line, e.column])).toEqual([
      [3, "date"],
      [4, "platform"],
      [4, "episode"],
      [4, "fees"],
      [4, "currency"],
      [5, "(row)"],
      [6, "(row)"],
    ])
  })

  it("checks that each row adds up (within 0.01), names a known project and an ISO 4217 currency", () => {
    const text = [
      "date,platform,project,episode,gross,fees,net,currency",
      "2025-03-01,kakao,my-novel,1,10.00,3.00,7.01,USD", // line 2: rounding, fine
      "2025-03-01,kakao,my-novel,1,10.00,3.00,7.02,USD", // line 3: off by 0.02
      "2025-03-01,kakao,elsewhere,1,1000,300,700,KRW", // line 4: unknown project
      "2025-03-01,kakao,my-novel,1,1000,300,700,XYZ", // line 5: made-up currency
      "2025-03-01,kakao,my-novel,1,1000,300,700,jpy", // line 6: fine
    ].join("\n")
    const parsed = parseSalesCsv(text, "generic", { knownProjects: new Set(["my-novel"]) })
    expect(parsed._tag === "Invalid" && parsed.errors).toEqual([
      { line: 3, column: "net", message: "net 7.02 is not gross 10.00 − fees 3.00 = 7.00" },
      { line: 4, column: "project", message: "unknown project 'elsewhere' (the factory's projects: my-novel)" },
      { line: 5, column: "currency", message: "'XYZ' is not a currency code (ISO 4217, e.g. KRW, USD)" },
    ])
    // without the store's projects, the project is not checked
    const unchecked = parseSalesCsv(text, "generic")
    expect(unchecked._tag === "Invalid" && unchecked.errors.map((e) => e.line)).toEqual([3, 5])
  })

  it("names a missing column", () => {
    const parsed = parseSalesCsv("date,platform,project,episode,gross,fees,currency\n", "generic")
    expect(parsed._tag === "Invalid" && parsed.errors[0]).toMatchObject({ line: 1, column: "net" })
  })

  it("refuses an empty file and a header-only file", () => {
    expect(parseSalesCsv("", "generic")._tag).toBe("Invalid")
    expect(parseSalesCsv("date,platform,project,episode,gross,fees,net,currency\n", "generic")._tag).toBe("Invalid")
  })

  it("parses the munpia preset: Korean headers, dotted dates, won amounts, 화 episodes, KRW default", () => {
    const text = [
      "\uFEFF정산일,플랫폼,작품,회차,매출,수수료,정산금액",
      '2025.03.01,문피아,검은 탑의 기사,12화,"12,345원","₩3,704","8,641"',
      "2025/03/02,문피아,검은 탑의 기사,전체,1000,300,700",
    ].join("\r\n")
    const parsed = parseSalesCsv(text, "munpia")
    expect(parsed._tag).toBe("Ok")
    if (parsed._tag !== "Ok") return
    expect(parsed.sales[0]).toMatchObject({ date: "2025-03-01", project: "검은 탑의 기사", episode: 12, currency: "KRW", grossMinor: 1_234_500, feesMinor: 370_400, netMinor: 864_100 })
    expect(parsed.sales[1]).toMatchObject({ date: "2025-03-02", episode: null })
  })

  it("gives identical rows of one file distinct fingerprints, stable across parses and formats", () => {
    const row = "2025-03-01,kakao,p,1,1000,300,700,KRW"
    const a = parseSalesCsv(`date,platform,project,episode,gross,fees,net,currency\n${row}\n${row}\n`, "generic")
    const b = parseSalesCsv(`date,platform,project,episode,gross,fees,net,currency\n${row}\n${row}\n`, "generic")
    const m = parseSalesCsv("정산일,플랫폼,작품,회차,매출,수수료,정산금액,통화\n2025.03.01,kakao,p,1화,1000,300,700,KRW\n", "munpia")
    if (a._tag !== "Ok" || b._tag !== "Ok" || m._tag !== "Ok") throw new Error("expected Ok")
    expect(a.sales[0]!.fingerprint).not.toBe(a.sales[1]!.fingerprint)
    expect(a.sales.map((s) => s.fingerprint)).toEqual(b.sales.map((s) => s.fingerprint))
    expect(m.sales[0]!.fingerprint).toBe(a.sales[0]!.fingerprint)
  })

  it("parses amounts strictly", () => {
    expect(parseAmount("1,234.5", false)).toBe(123_450)
    expect(parseAmount("-12", false)).toBe(-1_200)
    expect(parseAmount("1,23", false)).toBeUndefined()
    expect(parseAmount("1.234", false)).toBeUndefined()
    expect(parseAmount("₩1,000", false)).toBeUndefined()
    expect(parseAmount("₩1,000", true)).toBe(100_000)
  })
})

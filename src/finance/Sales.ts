import { createHash } from "node:crypto"
import { parseCsv } from "./Csv.ts"
import type { Sale } from "./Ledger.ts"

/**
 * Sales settlement imports.
 *
 * - `generic`: header `date,platform,project,episode,gross,fees,net,currency` (any order, case-
 *   insensitive; extra columns ignored). Dates `YYYY-MM-DD`; amounts with a dot for decimals
 *   (up to 2), thousands separators allowed; `episode` empty for whole-work sales.
 * - `munpia`: a Korean platform's settlement export, header
 *   `정산일,플랫폼,작품,회차,매출,수수료,정산금액[,통화]`; dates `2025-01-31`, `2025.01.31(.)` or
 *   `2025/01/31`; amounts like `12,345`, `₩12,345` or `12,345원`; 회차 `12`, `12화`, `제12화`, or
 *   empty / `전체`; 통화 absent or empty means KRW.
 *
 * Every row must add up (net = gross − fees, within one minor unit for the platform's rounding),
 * name a project of the story store (when the caller passes them) and an ISO 4217 currency.
 * A file with any bad row is refused whole: every problem is reported with its line and column.
 */

export const SALES_FORMATS = ["generic", "munpia"] as const
export type SalesFormat = (typeof SALES_FORMATS)[number]

export interface SalesRowError {
  readonly line: number
  /** The column's header name, or "(row)" / "(file)" for problems of a whole row or file. */
  readonly column: string
  readonly message: string
}

export type SalesParse =
  | { readonly _tag: "Ok"; readonly sales: ReadonlyArray<Sale> }
  | { readonly _tag: "Invalid"; readonly errors: ReadonlyArray<SalesRowError> }

type Field = "date" | "platform" | "project" | "episode" | "gross" | "fees" | "net" | "currency"

interface FormatSpec {
  readonly headers: Readonly<Record<Field, ReadonlyArray<string>>>
  readonly optional: ReadonlySet<Field>
  readonly defaultCurrency?: string
  readonly lenient: boolean
}

const FORMATS: Readonly<Record<SalesFormat, FormatSpec>> = {
  generic: {
    headers: {
      date: ["date"],
      platform: ["platform"],
      project: ["project"],
      episode: ["episode"],
      gross: ["gross"],
      fees: ["fees"],
      net: ["net"],
      currency: ["currency"],
    },
    optional: new Set(),
    lenient: false,
  },
  munpia: {
    headers: {
      date: ["정산일", "정산일자"],
      platform: ["플랫폼"],
      project: ["작품", "작품명"],
      episode: ["회차"],
      gross: ["매출", "매출액"],
      fees: ["수수료"],
      net: ["정산금액", "정산액"],
      currency: ["통화"],
    },
    optional: new Set<Field>(["currency"]),
    defaultCurrency: "KRW",
    lenient: true,
  },
}

const FIELDS: ReadonlyArray<Field> = ["date", "platform", "project", "episode", "gross", "fees", "net", "currency"]

const parseDate = (raw: string, lenient: boolean): string | undefined => {
  const m = lenient ? /^(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?$/.exec(raw) : /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw)
  if (!m) return undefined
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined
  return date.toISOString().slice(0, 10)
}

/** An amount in minor units (1/100), or undefined. */
export const parseAmount = (raw: string, lenient: boolean): number | undefined => {
  let s = raw.trim()
  if (lenient) s = s.replace(/^[₩＄$]\s*/, "").replace(/\s*원$/, "").trim()
  let negative = false
  if (s.startsWith("-")) {
    negative = true
    s = s.slice(1)
  }
  if (!/^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$/.test(s)) return undefined
  const [whole, frac = ""] = s.replace(/,/g, "").split(".")
  const minor = Number(whole) * 100 + Number(frac.padEnd(2, "0"))
  if (!Number.isSafeInteger(minor)) return undefined
  return negative ? -minor : minor
}

const parseEpisode = (raw: string, lenient: boolean): number | null | undefined => {
  if (raw === "" || (lenient && raw === "전체")) return null
  const m = lenient ? /^(?:제\s*)?(\d+)\s*(?:화|회)?$/.exec(raw) : /^(\d+)$/.exec(raw)
  if (!m) return undefined
  const n = Number(m[1])
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined
}

/** ISO 4217 codes, as the runtime's ICU knows them (Node 24 ships full ICU). */
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf("currency"))

export const isCurrencyCode = (code: string): boolean => CURRENCIES.has(code)

/** Rounding a platform may do between gross, fees and net: one minor unit (0.01). */
const NET_TOLERANCE_MINOR = 1

const showMinor = (minor: number): string =>
  (minor / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })

export interface SalesParseOptions {
  /** The projects of the story store: a row naming another is refused. Unchecked when absent. */
  readonly knownProjects?: ReadonlySet<string> | undefined
}

const fingerprintOf = (canonical: string, occurrence: number): string =>
  createHash("sha256").update(`${canonical}#${occurrence}`).digest("hex")

export const parseSalesCsv = (text: string, format: SalesFormat, options: SalesParseOptions = {}): SalesParse => {
  const spec = FORMATS[format]
  const { records, errors: csvErrors } = parseCsv(text)
  const errors: Array<SalesRowError> = csvErrors.map((e) => ({ line: e.line, column: "(row)", message: e.message }))
  const header = records[0]
  if (!header) {
    return { _tag: "Invalid", errors: [...errors, { line: 1, column: "(file)", message: "the file is empty: expected a header row" }] }
  }
  const names = header.fields.map((h) => h.trim().toLowerCase())
  const index = new Map<Field, number>()
  for (const field of FIELDS) {
    const i = names.findIndex((n) => spec.headers[field].some((h) => h.toLowerCase() === n))
    if (i >= 0) index.set(field, i)
    else if (!spec.optional.has(field)) {
      errors.push({
        line: header.line,
        column: spec.headers[field][0]!,
        message: `missing column '${spec.headers[field][0]}' (the ${format} format needs ${FIELDS.filter((f) => !spec.optional.has(f)).map((f) => spec.headers[f][0]).join(", ")})`,
      })
    }
  }
  if (errors.some((e) => e.line === header.line && e.column !== "(row)")) return { _tag: "Invalid", errors }

  const sales: Array<Sale> = []
  const seen = new Map<string, number>()
  for (const record of records.slice(1)) {
    if (record.fields.length !== header.fields.length) {
      errors.push({ line: record.line, column: "(row)", message: `expected ${header.fields.length} fields like the header, found ${record.fields.length}` })
      continue
    }
    const raw = (f: Field): string => {
      const i = index.get(f)
      return i === undefined ? "" : record.fields[i]!.trim()
    }
    const bad = (f: Field, message: string) =>
      errors.push({ line: record.line, column: header.fields[index.get(f)!]!.trim(), message })
    const before = errors.length

    const date = parseDate(raw("date"), spec.lenient)
    if (date === undefined) bad("date", `'${raw("date")}' is not a date (${spec.lenient ? "YYYY-MM-DD or YYYY.MM.DD" : "YYYY-MM-DD"})`)
    const platform = raw("platform")
    if (platform === "") bad("platform", "empty")
    const project = raw("project")
    if (project === "") bad("project", "empty")
    else if (options.knownProjects !== undefined && !options.knownProjects.has(project)) {
      const known = [...options.knownProjects].sort()
      bad("project", `unknown project '${project}' (the factory's projects: ${known.length === 0 ? "none" : known.slice(0, 10).join(", ") + (known.length > 10 ? " …" : "")})`)
    }
    const episode = parseEpisode(raw("episode"), spec.lenient)
    if (episode === undefined) bad("episode", `'${raw("episode")}' is not an episode number (a whole number from 1, or empty)`)
    const amount = (f: Field): number | undefined => {
      const value = parseAmount(raw(f), spec.lenient)
      if (value === undefined) bad(f, `'${raw(f)}' is not an amount (digits, optional thousands commas, up to 2 decimals)`)
      return value
    }
    const gross = amount("gross")
    const fees = amount("fees")
    const net = amount("net")
    let currency = raw("currency").toUpperCase()
    if (currency === "" && spec.defaultCurrency) currency = spec.defaultCurrency
    if (!isCurrencyCode(currency)) {
      if (index.has("currency")) bad("currency", `'${raw("currency")}' is not a currency code (ISO 4217, e.g. KRW, USD)`)
      else errors.push({ line: record.line, column: "currency", message: "no currency" })
    }
    if (gross !== undefined && fees !== undefined && net !== undefined && Math.abs(gross - fees - net) > NET_TOLERANCE_MINOR) {
      bad("net", `net ${showMinor(net)} is not gross ${showMinor(gross)} − fees ${showMinor(fees)} = ${showMinor(gross - fees)}`)
    }
    if (errors.length > before) continue

    const canonical = [date, platform, project, episode ?? "", currency, gross, fees, net].join("\u0001")
    const occurrence = (seen.get(canonical) ?? 0) + 1
    seen.set(canonical, occurrence)
    sales.push({
      fingerprint: fingerprintOf(canonical, occurrence),
      date: date!,
      platform,
      project,
      episode: episode ?? null,
      currency,
      grossMinor: gross!,
      feesMinor: fees!,
      netMinor: net!,
    })
  }
  if (records.length === 1 && errors.length === 0) {
    return { _tag: "Invalid", errors: [{ line: header.line, column: "(file)", message: "no rows after the header" }] }
  }
  errors.sort((a, b) => a.line - b.line)
  return errors.length > 0 ? { _tag: "Invalid", errors } : { _tag: "Ok", sales }
}

export const formatSalesError = (file: string, e: SalesRowError): string =>
  `${file}:${e.line}: ${e.column === "(row)" || e.column === "(file)" ? "" : `column '${e.column}': `}${e.message}`

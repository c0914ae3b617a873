import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { formatCsvRow, parseCsv } from "../../src/finance/Csv.ts"

describe("CSV parser", () => {
  it("handles quotes, commas and doubled quotes in quotes, a BOM and CRLF", () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""",3\r\n\r\nplain,,"" \n'
    const { records, errors } = parseCsv(text.replace(/" \n$/, '"\n'))
    expect(errors).toEqual([])
    expect(records).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["x, y", 'say "hi"', "3"] },
      { line: 4, fields: ["plain", "", ""] },
    ])
  })

  it("keeps line breaks inside quotes and counts lines from the record's start", () => {
    const { records } = parseCsv('h1,h2\n"multi\r\nline",x\nnext,y')
    expect(records[1]).toEqual({ line: 2, fields: ["multi\nline", "x"] })
    expect(records[2]).toEqual({ line: 4, fields: ["next", "y"] })
  })

  it("reports a stray quote, text after a closing quote and an unclosed quote with their lines", () => {
    const { errors } = parseCsv('a,b\nfo"o,1\n"ok"x,2\n"never closed,3\n')
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4])
    expect(errors[2]!.message).toMatch(/not closed/)
  })

  it("round-trips any fields through formatCsvRow", () => {
    fc.assert(fc.property(
      fc.array(fc.array(fc.string(), { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 10 }),
      (rows) => {
        const normalised = rows.map((r) => r.map((f) => f.replace(/\r\n?/g, "\n")))
        const text = normalised.map(formatCsvRow).join("\r\n")
        const parsed = parseCsv(text)
        return parsed.errors.length === 0 && JSON.stringify(parsed.records.map((r) => r.fields)) ===
          JSON.stringify(normalised.filter((r) => !(r.length === 1 && r[0] === "")))
      },
    ))
  })
})

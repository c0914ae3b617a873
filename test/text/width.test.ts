import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { charWidth, columnWidths, displayWidth, fit, padEnd, tableRow, truncate, truncateStart } from "../../src/text/Width.ts"

describe("display width", () => {
  it("counts Hangul, CJK and fullwidth forms as two columns", () => {
    expect(displayWidth("검의 계승자")).toBe(11)
    expect(displayWidth("abc")).toBe(3)
    expect(displayWidth("漢字")).toBe(4)
    expect(displayWidth("ＡＢ")).toBe(4)
    expect(displayWidth("ㄱㅏ")).toBe(4) // compatibility jamo
    expect(charWidth("가")).toBe(2)
    expect(charWidth("힣")).toBe(2)
  })

  it("counts combining marks, conjoining vowels and zero-width characters as none", () => {
    expect(displayWidth("e\u0301")).toBe(1)
    expect(displayWidth("\u1100\u1161")).toBe(2) // ᄀ + ᅡ, decomposed 가
    expect(displayWidth("a\u200db")).toBe(2)
    expect(displayWidth("\u0000\u001b")).toBe(0)
  })

  it("counts emoji as two columns and box drawing as one", () => {
    expect(displayWidth("🔔")).toBe(2)
    expect(displayWidth("│─●")).toBe(3)
  })
})

describe("padding and truncation by display width", () => {
  it("pads a Korean title to the same column as an ASCII one", () => {
    const rows = [fit("검의 계승자", 14), fit("sword", 14), fit("달빛 아래 검을 든 소녀", 14)]
    for (const row of rows) expect(displayWidth(row)).toBe(14)
    expect(rows[0]).toBe("검의 계승자   ")
    expect(rows[2]).toBe("달빛 아래 검… ") // 12 columns of text + ellipsis; the next wide char would not fit: a space
  })

  it("never splits a wide character: pads with a space instead", () => {
    expect(truncate("가나다", 4)).toBe("가…")
    expect(displayWidth(fit("가나다", 4))).toBe(4)
    expect(fit("가나다", 5)).toBe("가나…")
    expect(fit("가나다", 6)).toBe("가나다")
  })

  it("right-aligns and keeps path ends", () => {
    expect(fit("42", 5, "right")).toBe("   42")
    expect(truncateStart("factory/writers/writer-1", 10)).toBe("…/writer-1")
    expect(padEnd("검", 4)).toBe("검  ")
  })

  it("lays out table rows of exactly the line width, whatever the script", () => {
    const columns = [
      { title: "title", width: "flex" as const },
      { title: "ep", width: 4, align: "right" as const },
    ]
    for (const title of ["검의 계승자", "sword", "漢字のタイトルがとても長い場合", ""]) {
      expect(displayWidth(tableRow(columns, [title, "12"], 30))).toBe(30)
    }
    expect(columnWidths(columns, 30)).toEqual([25, 4])
  })

  it("property: fit always yields exactly the asked width", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "검", "의", " ", "漢", "e\u0301", "🔔", "-", "ㄱ") })
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 40 }), fc.constantFrom("left" as const, "right" as const), (s, width, align) => {
        expect(displayWidth(fit(s, width, align))).toBe(width)
      }),
    )
  })

  it("property: truncate keeps a prefix within the width", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "가", "b", "漢", " ") })
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 30 }), (s, width) => {
        const cut = truncate(s, width)
        expect(displayWidth(cut)).toBeLessThanOrEqual(width)
        if (displayWidth(s) <= width) expect(cut).toBe(s)
        else expect(s.startsWith(cut.replace(/…$/, ""))).toBe(true)
      }),
    )
  })
})

import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { KOREAN_FONT_PACKAGE, KoreanFontMissing, type PdfFonts, resolveKoreanFont } from "../../src/export/Pdf.ts"

/** The version the tests fetch when the package is not installed (see the report to the lead). */
export const FONT_VERSION = "0.4.3"

/**
 * The Korean font for PDF tests: the installed package when it is there; otherwise the same
 * package unpacked once (`npm pack`) into a cache under the OS temp directory, never into
 * the repository's node_modules.
 */
export const testFonts = (): PdfFonts => {
  const installed = resolveKoreanFont({})
  if (!(installed instanceof KoreanFontMissing)) return installed
  const cache = join(tmpdir(), `nf-font-cache-${FONT_VERSION}`)
  const file = (weight: string) => join(cache, "package", weight, `NotoSansKR_${weight}.ttf`)
  if (!existsSync(file("400Regular"))) {
    mkdirSync(cache, { recursive: true })
    const tarball = execFileSync("npm", ["pack", `${KOREAN_FONT_PACKAGE}@${FONT_VERSION}`, "--pack-destination", cache, "--silent"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim().split("\n").pop()!
    execFileSync("tar", ["xzf", join(cache, tarball), "-C", cache])
  }
  return { regular: file("400Regular"), bold: file("700Bold") }
}

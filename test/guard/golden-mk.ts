/**
 * Writes the guard's golden: the full verdict (codes, messages, evidence, reward) of every corpus
 * passage and of the offline writer's golden drafts, guarded against the drafts before them (and some
 * against themselves, a copy), under default and stricter options. Run once, by hand, on the code
 * whose verdicts are to be kept (the record is in `Golden.test.ts`).
 *
 *     npx node test/guard/golden-mk.ts
 */
import { writeFileSync } from "node:fs"
import { guardGoldenCases, verdictHash } from "./golden.ts"

const hashes = guardGoldenCases().map(verdictHash)
writeFileSync(new URL("./golden-hashes.json", import.meta.url), JSON.stringify(hashes, null, 1) + "\n")
console.log(hashes.length)

import { Effect } from "effect"
import type { LedgerShape, LlmCallRecord } from "../../src/finance/Ledger.ts"

/** A ledger that keeps what is booked and refuses every read: for tests of what a provider books. */
export const recordingLedger = (): { readonly ledger: LedgerShape; readonly booked: Array<LlmCallRecord> } => {
  const booked: Array<LlmCallRecord> = []
  const unused = () => Effect.die("not used")
  return {
    booked,
    ledger: {
      book: (r) => Effect.sync(() => void booked.push(r)),
      spentUsd: unused,
      dailyCosts: unused,
      importSales: unused,
      dailySales: unused,
      unpricedModels: unused,
      promptCache: unused,
      projectCosts: unused,
    },
  }
}

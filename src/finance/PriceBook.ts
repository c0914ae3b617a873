import { Context } from "effect"
import type { ModelPrice, PriceTable } from "./Price.ts"
import { makePriceTable } from "./Price.ts"

/**
 * The price table in force, replaceable while the factory runs (`finance.prices` reloaded from
 * `factory.yaml`): the ledger and the budget gate hold `table`, which always answers from the
 * latest prices.
 */
export interface PriceBook {
  readonly table: PriceTable
  readonly configured: () => Readonly<Record<string, ModelPrice>>
  readonly set: (configured: Readonly<Record<string, ModelPrice>>) => void
}

export const makePriceBook = (configured: Readonly<Record<string, ModelPrice>> = {}): PriceBook => {
  let current = { configured, table: makePriceTable(configured) }
  return {
    table: { lookup: (model, provider) => current.table.lookup(model, provider) },
    configured: () => current.configured,
    set: (next) => {
      current = { configured: next, table: makePriceTable(next) }
    },
  }
}

/** The factory's price book: read by the ledger and the budget gate, replaced by the finance reload. */
export class Prices extends Context.Service<Prices, PriceBook>()("novel-factory/finance/Prices") {}

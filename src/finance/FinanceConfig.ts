import { Schema } from "effect"
import { ModelPrice } from "./Price.ts"
import { isCurrencyCode } from "./Sales.ts"

const PositiveNumber = Schema.Number.check(Schema.isGreaterThan(0))

/** `KRW_per_USD`, `JPY_per_USD` …: how many units of a currency one US dollar buys. */
const RATE_KEY = /^[A-Z]{3}_per_USD$/

/**
 * The `finance` section of `factory.yaml`:
 *
 * ```yaml
 * finance:
 *   dailyBudgetUsd: 25          # null or absent: no cap
 *   prices:                     # USD per 1M tokens; overrides/extends the defaults (src/finance/Price.ts)
 *     my-local-model: { input: 0, cachedInput: 0, output: 0 }
 *     gpt-4.1-mini: { input: 0.4, cachedInput: 0.1, output: 1.6 }
 *   rates:
 *     KRW_per_USD: 1400         # sales in KRW are converted to USD only with a configured rate
 *   reportCurrency: KRW         # the report's currency (default: the sales' one when all are in one, else USD)
 * ```
 */
export const FinanceConfig = Schema.Struct({
  reportCurrency: Schema.optionalKey(
    Schema.String.check(Schema.makeFilter((code) => isCurrencyCode(code) || `'${code}' is not a currency code (ISO 4217, e.g. KRW, USD)`)),
  ),
  dailyBudgetUsd: Schema.optionalKey(Schema.NullOr(PositiveNumber)),
  prices: Schema.optionalKey(Schema.Record(Schema.String, ModelPrice)),
  rates: Schema.optionalKey(
    Schema.Record(Schema.String, PositiveNumber).check(
      Schema.makeFilter((rates) =>
        Object.keys(rates)
          .filter((k) => !RATE_KEY.test(k))
          .map((k) => ({ path: [k], issue: `'${k}' is not a rate key: expected e.g. 'KRW_per_USD' (ISO 4217 code, then '_per_USD')` }))
      ),
    ),
  ),
})
export type FinanceConfig = typeof FinanceConfig.Type

export const defaultFinanceConfig: FinanceConfig = { dailyBudgetUsd: null, prices: {}, rates: {} }

/** Units of `currency` per USD, or undefined when no rate is configured (USD is 1). */
export const rateOf = (config: FinanceConfig, currency: string): number | undefined =>
  currency === "USD" ? 1 : config.rates?.[`${currency}_per_USD`]

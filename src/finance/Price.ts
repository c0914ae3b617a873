import { Schema } from "effect"
import type { TokenUsage } from "../llm/LanguageModel.ts"

const Usd = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * USD per one million tokens. `cachedInput` is what a prompt token served from the provider's
 * cache costs; `cacheWrite` what a prompt token written to it costs, for providers that bill
 * writes (Anthropic: 1.25 × input) — absent, a written token costs `input`.
 */
export const ModelPrice = Schema.Struct({
  input: Usd,
  cachedInput: Usd,
  output: Usd,
  cacheWrite: Schema.optionalKey(Usd),
})
export type ModelPrice = typeof ModelPrice.Type

export const FREE: ModelPrice = { input: 0, cachedInput: 0, output: 0 }

/**
 * List prices (USD / 1M tokens) of common models, as published by the providers in 2025.
 * Prices change: override them in `finance.prices` (a configured entry wins over a default
 * of the same name). A key is a model name: a dated snapshot the provider reports
 * (`gpt-4.1-mini-2025-04-14`, `claude-3-5-sonnet-20241022`, `gpt-4-0613`) is priced as its
 * undated name. A key ending in `-` is a family: every model it begins (`sim-` for the loopback
 * simulator). Anything else is unknown — not priced as a look-alike (`gpt-5-pro` is not `gpt-5`).
 */
export const defaultPrices: Readonly<Record<string, ModelPrice>> = {
  "gpt-5": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cachedInput: 0.005, output: 0.4 },
  "gpt-4.1": { input: 2, cachedInput: 0.5, output: 8 },
  "gpt-4.1-mini": { input: 0.4, cachedInput: 0.1, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, cachedInput: 0.025, output: 0.4 },
  "gpt-4o": { input: 2.5, cachedInput: 1.25, output: 10 },
  "gpt-4o-mini": { input: 0.15, cachedInput: 0.075, output: 0.6 },
  "o3": { input: 2, cachedInput: 0.5, output: 8 },
  "o4-mini": { input: 1.1, cachedInput: 0.275, output: 4.4 },
  "deepseek-chat": { input: 0.28, cachedInput: 0.028, output: 0.42 },
  "deepseek-reasoner": { input: 0.28, cachedInput: 0.028, output: 0.42 },
  // The loopback simulator (src/llm/Simulator.ts): priced so that tests and benches book non-zero costs.
  "sim-": { input: 1, cachedInput: 0.25, output: 4 },
}

export interface PriceLookup {
  readonly price: ModelPrice
  /** False when neither the configured nor the default table knows the model (booked at 0, and the budget gate pauses writers). */
  readonly known: boolean
  /** The table key that matched. */
  readonly key: string | null
}

/** A date suffix providers append to a model's snapshots: `-2025-04-14`, `-20241022`, `-0613`. */
const DATE_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$/

/** The model name without its snapshot date, or undefined when it has none. */
export const undated = (model: string): string | undefined => (DATE_SUFFIX.test(model) ? model.replace(DATE_SUFFIX, "") : undefined)

/** Providers that never cost anything (the offline deterministic writer). */
export const FREE_PROVIDERS: ReadonlySet<string> = new Set(["offline"])

export interface PriceTable {
  readonly lookup: (model: string, provider?: string) => PriceLookup
}

/** Exact name, then the name without its date, then the longest family (`…-`) key; configured entries shadow the defaults. */
export const makePriceTable = (
  configured: Readonly<Record<string, ModelPrice>> = {},
  options?: { readonly includeDefaults?: boolean },
): PriceTable => {
  const table: Record<string, ModelPrice> = { ...(options?.includeDefaults === false ? {} : defaultPrices), ...configured }
  const families = Object.keys(table).filter((k) => k.endsWith("-")).sort((a, b) => b.length - a.length)
  return {
    lookup: (model, provider) => {
      if (provider !== undefined && FREE_PROVIDERS.has(provider)) return { price: FREE, known: true, key: null }
      const exact = table[model]
      if (exact) return { price: exact, known: true, key: model }
      const base = undated(model)
      const dated = base === undefined ? undefined : table[base]
      if (base !== undefined && dated) return { price: dated, known: true, key: base }
      const family = families.find((k) => model.startsWith(k))
      return family ? { price: table[family]!, known: true, key: family } : { price: FREE, known: false, key: null }
    },
  }
}

/**
 * Cost in USD of one call. OpenAI's `prompt_tokens` *includes* the cached ones (and, as read
 * here, the cache-written ones), so:
 * `((prompt − cached − written) × input + cached × cachedInput + written × cacheWrite + completion × output) / 1e6`.
 * A provider reporting more cached (or written) than prompt tokens is clamped (never a negative term).
 */
export const costOf = (usage: TokenUsage, price: ModelPrice): number => {
  const prompt = Math.max(0, usage.promptTokens)
  const cached = Math.min(prompt, Math.max(0, usage.cachedTokens))
  const written = Math.min(prompt - cached, Math.max(0, usage.cacheWriteTokens ?? 0))
  const completion = Math.max(0, usage.completionTokens)
  return (
    (prompt - cached - written) * price.input + cached * price.cachedInput + written * (price.cacheWrite ?? price.input) + completion * price.output
  ) / 1_000_000
}

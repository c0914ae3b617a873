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
 * of the same name). Keys are model-name prefixes: the longest matching prefix wins, so
 * `gpt-4o-mini-2024-07-18` is priced as `gpt-4o-mini`, not as `gpt-4o`.
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
  /** False when neither the configured nor the default table knows the model (the call is booked at 0). */
  readonly known: boolean
  /** The table key that matched. */
  readonly key: string | null
}

/** Providers that never cost anything (the offline deterministic writer). */
export const FREE_PROVIDERS: ReadonlySet<string> = new Set(["offline"])

export interface PriceTable {
  readonly lookup: (model: string, provider?: string) => PriceLookup
}

/** Exact name first, then the longest prefix; configured entries shadow the defaults. */
export const makePriceTable = (
  configured: Readonly<Record<string, ModelPrice>> = {},
  options?: { readonly includeDefaults?: boolean },
): PriceTable => {
  const table: Record<string, ModelPrice> = { ...(options?.includeDefaults === false ? {} : defaultPrices), ...configured }
  const keys = Object.keys(table).sort((a, b) => b.length - a.length)
  return {
    lookup: (model, provider) => {
      if (provider !== undefined && FREE_PROVIDERS.has(provider)) return { price: FREE, known: true, key: null }
      const exact = table[model]
      if (exact) return { price: exact, known: true, key: model }
      const key = keys.find((k) => model.startsWith(k))
      return key ? { price: table[key]!, known: true, key } : { price: FREE, known: false, key: null }
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

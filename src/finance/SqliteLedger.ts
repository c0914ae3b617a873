import { Clock, Effect, Layer } from "effect"
import { Database, type Migration, type SqliteError } from "../sqlite/Database.ts"
import { keepRecent } from "../util/Lru.ts"
import { type DailyCost, type DailySales, Ledger, LedgerError, type LedgerShape } from "./Ledger.ts"

/**
 * The ledger on the factory's shared SQLite database. It owns its tables (component "finance"
 * in `schema_version`); no other adapter touches them.
 */
export const financeMigrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: "llm_calls and sales",
    up: `
      CREATE TABLE IF NOT EXISTS finance_llm_calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        project TEXT,
        episode INTEGER,
        stage TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        priced INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS finance_llm_calls_at ON finance_llm_calls (at);
      CREATE INDEX IF NOT EXISTS finance_llm_calls_project ON finance_llm_calls (project, episode);
      CREATE TABLE IF NOT EXISTS finance_sales (
        fingerprint TEXT PRIMARY KEY,
        date TEXT NOT NULL,
        platform TEXT NOT NULL,
        project TEXT NOT NULL,
        episode INTEGER,
        currency TEXT NOT NULL,
        gross_minor INTEGER NOT NULL,
        fees_minor INTEGER NOT NULL,
        net_minor INTEGER NOT NULL,
        source TEXT NOT NULL,
        imported_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS finance_sales_date ON finance_sales (date);
    `,
  },
  {
    version: 2,
    description: "finance_daily_costs: the calls summed per UTC day, kept by a trigger",
    // The dashboard asks for 30 days of costs every 10 s, and summing the calls themselves
    // took 943 ms at a million calls, on the thread that runs every fiber.
    up: `
      CREATE TABLE finance_daily_costs (
        date              TEXT PRIMARY KEY,
        cost_usd          REAL NOT NULL,
        calls             INTEGER NOT NULL,
        unpriced          INTEGER NOT NULL,
        prompt_tokens     INTEGER NOT NULL,
        cached_tokens     INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO finance_daily_costs
        SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch'), SUM(cost_usd), COUNT(*), SUM(1 - priced),
          SUM(prompt_tokens), SUM(cached_tokens), SUM(completion_tokens)
        FROM finance_llm_calls GROUP BY 1;
      CREATE TRIGGER finance_daily_costs_book AFTER INSERT ON finance_llm_calls
      BEGIN
        INSERT INTO finance_daily_costs (date, cost_usd, calls, unpriced, prompt_tokens, cached_tokens, completion_tokens)
          VALUES (strftime('%Y-%m-%d', NEW.at / 1000, 'unixepoch'), NEW.cost_usd, 1, 1 - NEW.priced,
            NEW.prompt_tokens, NEW.cached_tokens, NEW.completion_tokens)
          ON CONFLICT (date) DO UPDATE SET cost_usd = cost_usd + excluded.cost_usd, calls = calls + 1,
            unpriced = unpriced + excluded.unpriced, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
            cached_tokens = cached_tokens + excluded.cached_tokens, completion_tokens = completion_tokens + excluded.completion_tokens;
      END;
    `,
  },
  {
    version: 3,
    description: "cache writes, unpriced calls and the prompt cache per project and day",
    // The budget gate asks for today's unpriced models before every writer call: a partial index
    // keeps that to the (rare) unpriced rows. The dashboard's cache share per project reads a
    // per-day summary kept by a trigger, for the same reason as finance_daily_costs.
    up: `
      ALTER TABLE finance_llm_calls ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX finance_llm_calls_unpriced ON finance_llm_calls (at) WHERE priced = 0;
      CREATE TABLE finance_daily_project_tokens (
        date          TEXT NOT NULL,
        project       TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        PRIMARY KEY (date, project)
      ) WITHOUT ROWID;
      INSERT INTO finance_daily_project_tokens
        SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch'), project, SUM(prompt_tokens), SUM(cached_tokens)
        FROM finance_llm_calls WHERE project IS NOT NULL GROUP BY 1, 2;
      CREATE TRIGGER finance_daily_project_tokens_book AFTER INSERT ON finance_llm_calls WHEN NEW.project IS NOT NULL
      BEGIN
        INSERT INTO finance_daily_project_tokens (date, project, prompt_tokens, cached_tokens)
          VALUES (strftime('%Y-%m-%d', NEW.at / 1000, 'unixepoch'), NEW.project, NEW.prompt_tokens, NEW.cached_tokens)
          ON CONFLICT (date, project) DO UPDATE SET prompt_tokens = prompt_tokens + excluded.prompt_tokens,
            cached_tokens = cached_tokens + excluded.cached_tokens;
      END;
    `,
  },
]

const wrap = (what: string) => (error: SqliteError) => new LedgerError({ message: `ledger ${what}: ${error.message}`, cause: error })

export const makeSqliteLedger: Effect.Effect<LedgerShape, LedgerError, Database> = Effect.gen(function* () {
  const db = yield* Database
  yield* db.migrate("finance", financeMigrations).pipe(Effect.mapError(wrap("migration")))

  const book: LedgerShape["book"] = (r) =>
    db.use((c) => {
      c.run(
        "INSERT INTO finance_llm_calls (at, project, episode, stage, provider, model, prompt_tokens, cached_tokens, completion_tokens, cost_usd, priced, cache_write_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        r.at,
        r.project,
        r.episode,
        r.stage,
        r.provider,
        r.model,
        r.usage.promptTokens,
        r.usage.cachedTokens,
        r.usage.completionTokens,
        r.costUsd,
        r.priced ? 1 : 0,
        r.usage.cacheWriteTokens ?? 0,
      )
    }).pipe(Effect.mapError(wrap("book")))

  /*
   * With a daily cap set, the budget gate asks for today's spend before every writer call, and a
   * SUM over the day's rows grows with the day (41 ms at 300,000 rows, measured). So a range's total is kept with the last row id it counted, and
   * later calls add only the rows booked since (by rowid: ids are handed out under SQLite's
   * one write lock, so no row below the last one counted can still appear, from this process
   * or another). `+at` keeps the planner on the rowid range instead of the day's index.
   */
  const spentByRange = new Map<string, { readonly total: number; readonly throughId: number }>()
  const RANGES_KEPT = 8
  const spentUsd: LedgerShape["spentUsd"] = (fromMs, toMs) =>
    db.use((c) => {
      const key = `${fromMs}:${toMs}`
      const known = spentByRange.get(key)
      // the bound first: a row booked between the two reads is left for the next call, not skipped
      const last = c.get<{ last: number | null }>("SELECT MAX(id) AS last FROM finance_llm_calls")?.last ?? 0
      const added = known === undefined
        ? c.get<{ total: number | null }>(
          "SELECT SUM(cost_usd) AS total FROM finance_llm_calls WHERE at >= ? AND at < ? AND id <= ?",
          fromMs,
          toMs,
          last,
        )
        : c.get<{ total: number | null }>(
          "SELECT SUM(cost_usd) AS total FROM finance_llm_calls WHERE id > ? AND id <= ? AND +at >= ? AND +at < ?",
          known.throughId,
          last,
          fromMs,
          toMs,
        )
      const total = (known?.total ?? 0) + (added?.total ?? 0)
      keepRecent(spentByRange, key, { total, throughId: Math.max(known?.throughId ?? 0, last) }, RANGES_KEPT)
      return total
    }).pipe(Effect.mapError(wrap("spent")))

  const dailyCosts: LedgerShape["dailyCosts"] = (range) =>
    db.use((c) =>
      c.all<{ date: string; cost: number; calls: number; unpriced: number; p: number; k: number; o: number }>(
        `SELECT date, cost_usd AS cost, calls, unpriced, prompt_tokens AS p, cached_tokens AS k, completion_tokens AS o
           FROM finance_daily_costs WHERE date >= ? AND date <= ? ORDER BY date`,
        range?.from || "0000-00-00",
        range?.to || "9999-99-99",
      ).map((r): DailyCost => ({
        date: r.date,
        costUsd: r.cost,
        calls: r.calls,
        unpricedCalls: r.unpriced,
        promptTokens: r.p,
        cachedTokens: r.k,
        completionTokens: r.o,
      }))
    ).pipe(Effect.mapError(wrap("daily costs")))

  const importSales: LedgerShape["importSales"] = (sales, source) =>
    Clock.currentTimeMillis.pipe(
      Effect.flatMap((now) =>
        db.transaction((c) => {
          let inserted = 0
          for (const s of sales) {
            inserted += c.run(
              `INSERT INTO finance_sales (fingerprint, date, platform, project, episode, currency, gross_minor, fees_minor, net_minor, source, imported_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO NOTHING`,
              s.fingerprint,
              s.date,
              s.platform,
              s.project,
              s.episode,
              s.currency,
              s.grossMinor,
              s.feesMinor,
              s.netMinor,
              source,
              now,
            ).changes
          }
          return { inserted, duplicates: sales.length - inserted }
        })
      ),
      Effect.mapError(wrap("import")),
    )

  const dailySales: LedgerShape["dailySales"] = (range) =>
    db.use((c) =>
      c.all<{ date: string; currency: string; g: number; f: number; n: number; rows: number }>(
        `SELECT date, currency, SUM(gross_minor) AS g, SUM(fees_minor) AS f, SUM(net_minor) AS n, COUNT(*) AS rows
           FROM finance_sales WHERE date >= ? AND date <= ? GROUP BY date, currency ORDER BY date, currency`,
        range?.from ?? "0000-00-00",
        range?.to ?? "9999-99-99",
      ).map((r): DailySales => ({ date: r.date, currency: r.currency, grossMinor: r.g, feesMinor: r.f, netMinor: r.n, rows: r.rows }))
    ).pipe(Effect.mapError(wrap("daily sales")))

  const unpricedModels: LedgerShape["unpricedModels"] = (fromMs, toMs) =>
    db.use((c) =>
      c.all<{ model: string; provider: string; calls: number }>(
        "SELECT model, provider, COUNT(*) AS calls FROM finance_llm_calls WHERE priced = 0 AND at >= ? AND at < ? GROUP BY model, provider ORDER BY model",
        fromMs,
        toMs,
      ).map((r) => ({ model: r.model, provider: r.provider, calls: r.calls }))
    ).pipe(Effect.mapError(wrap("unpriced models")))

  const promptCache: LedgerShape["promptCache"] = (range) =>
    db.use((c) =>
      c.all<{ project: string; p: number; k: number }>(
        `SELECT project, SUM(prompt_tokens) AS p, SUM(cached_tokens) AS k FROM finance_daily_project_tokens
           WHERE date >= ? AND date <= ? GROUP BY project ORDER BY project`,
        range?.from || "0000-00-00",
        range?.to || "9999-99-99",
      ).map((r) => ({ project: r.project, promptTokens: r.p, cachedTokens: r.k }))
    ).pipe(Effect.mapError(wrap("prompt cache")))

  const projectCosts: LedgerShape["projectCosts"] = (fromMs, toMs) =>
    db.use((c) =>
      c.all<{ project: string; cost: number }>(
        `SELECT project, SUM(cost_usd) AS cost FROM finance_llm_calls
           WHERE at >= ? AND at < ? AND project IS NOT NULL GROUP BY project ORDER BY project`,
        fromMs,
        toMs,
      ).map((r) => ({ project: r.project, costUsd: r.cost }))
    ).pipe(Effect.mapError(wrap("project costs")))

  return Ledger.of({ book, spentUsd, dailyCosts, importSales, dailySales, unpricedModels, promptCache, projectCosts })
})

export const SqliteLedger = {
  layer: Layer.effect(Ledger, makeSqliteLedger) as Layer.Layer<Ledger, LedgerError, Database>,
}

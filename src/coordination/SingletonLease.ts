import { Context, Data, type Effect, type Option } from "effect"

/**
 * A named lease for singletons that must run once across all processes of a factory (the
 * scheduler, the backup actor, the metrics exporter …).
 *
 * - At most one live holder per name: a second holder is refused (`LeaseHeld`) while the first
 *   one renews in time.
 * - A lease is live for `ttlMs` of *store time* (`StoreTime.ts`) after its grant or renewal, so
 *   a wall-clock step neither keeps a dead holder's lease alive nor runs a live one out. Once
 *   it has run out anyone may take it over, and the takeover gets a strictly higher fencing
 *   `token`: pass the token to whatever the singleton writes so a stale holder's late writes
 *   can be refused. An `expiresAt` handed out is in the caller's wall-clock frame (its
 *   `Clock` reading plus what is left), for people to read; nothing compares it.
 * - Tokens never go back, not even across `release`: a name's token only grows.
 * - A holder that renews after its lease ran out but before anyone took it over keeps it (same
 *   token), exactly like the job queue's heartbeat.
 *
 * The one lease abstraction, with its adapters (SQLite, Redis). Two other leases are not its
 * adapters, on purpose: the job queue's per-job leases live inside the queue's own
 * transactions, where the fencing token is checked in the same step as the state change it
 * guards (claim, complete, the episode commit) — a separate lease service could not; and the
 * data directory's instance lock (`ops/instance/InstanceLock.ts`, whose header says why).
 */
export interface SingletonGrant {
  readonly name: string
  readonly holder: string
  readonly token: number
  readonly expiresAt: number
}

export class LeaseUnavailable extends Data.TaggedError("LeaseUnavailable")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** Another holder has the lease and it is still live. */
export class LeaseHeld extends Data.TaggedError("LeaseHeld")<{
  readonly name: string
  readonly holder: string
  readonly expiresAt: number
}> {
  override get message() {
    return `singleton '${this.name}' is held by '${this.holder}' until ${this.expiresAt}`
  }
}

/** The grant is no longer current: it was released, or it ran out and someone took it over. */
export class SingletonLost extends Data.TaggedError("SingletonLost")<{
  readonly name: string
  readonly token: number
}> {
  override get message() {
    return `singleton '${this.name}': the lease with token ${this.token} is no longer held`
  }
}

export interface SingletonLeaseShape {
  /**
   * Takes the lease for `ttlMs`. Free or run-out → a new grant with the next token. Held live by
   * the same holder → renewed, same token (an acquire is idempotent). Held live by another → `LeaseHeld`.
   */
  readonly acquire: (name: string, holder: string, ttlMs: number) => Effect.Effect<SingletonGrant, LeaseHeld | LeaseUnavailable>
  /** Extends a grant that is still current (same token) to `now + ttlMs`. */
  readonly renew: (grant: SingletonGrant, ttlMs: number) => Effect.Effect<SingletonGrant, SingletonLost | LeaseUnavailable>
  /** Gives the lease up if the grant is still current; a no-op otherwise. */
  readonly release: (grant: SingletonGrant) => Effect.Effect<void, LeaseUnavailable>
  /** The live holder, if any. */
  readonly current: (name: string) => Effect.Effect<Option.Option<SingletonGrant>, LeaseUnavailable>
}

export class SingletonLease extends Context.Service<SingletonLease, SingletonLeaseShape>()("novel-factory/SingletonLease") {}

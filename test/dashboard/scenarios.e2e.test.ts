/**
 * Scenarios a real factory cannot stage on demand, against a fake API in a tmux
 * pseudo-terminal at 80×24 with a terminal type blessed has never heard of: a
 * dependency outage that ends ("recovered in N s"), alerts firing and resolving,
 * finance data, and crash/restart rows in the actors table.
 */
import { afterAll, describe, expect, it } from "vitest"
import { type FakeFactory, startFakeFactory } from "./fakeFactory.ts"
import { columnsOf, dashboardArgv, hasTmux, openTerminal, type Terminal } from "./tmux.ts"

describe.skipIf(!hasTmux())("dashboard scenarios (fake API, 80×24, unknown TERM)", () => {
  let fake: FakeFactory | undefined
  let terminal: Terminal | undefined

  afterAll(async () => {
    terminal?.kill()
    await fake?.close()
  })

  it("shows outages recovering, alerts, finance and restarts", async () => {
    const now = Date.now()
    fake = await startFakeFactory({
      projects: [{ slug: "sword", title: "검", episodes: 12, beatsLeft: 8, held: "ep 13 dead" }],
      finance: {
        days: [
          { date: "2026-01-01", cost: 1.25, sales: 4, profit: 2.75 },
          { date: "2026-01-02", cost: 3.5, sales: 1, profit: -2.5 },
        ],
        today: { spend: 3.5, cap: 5 },
        currency: "USD",
      },
      backlog: [
        { _tag: "BreakerChanged", at: now - 60_000, breaker: "llm", from: "closed", to: "open", reason: "503 Service Unavailable" },
        { _tag: "Alert", at: now - 59_000, rule: "llm-down", state: "firing", message: "the LLM breaker is open" },
        { _tag: "Alert", at: now - 58_000, rule: "dead-letters", state: "firing", message: "2 jobs dead-lettered" },
      ],
    })
    terminal = openTerminal([process.execPath, ...dashboardArgv(), "--url", fake.url], {
      cols: 80,
      rows: 24,
      env: { LANG: "C.UTF-8", LC_ALL: "C.UTF-8", TERM: "nf-no-such-terminal" },
    })
    const t = terminal
    const first = await t.waitFor((s) => s.includes("● connected") && s.includes("Alerts (2)"), "the alerts")
    expect(first).toContain("llm-down")
    expect(first).toContain("dead-letter")
    expect(first).toMatch(/3\.50\/5\.00 70%/) // the narrow form of "today 3.50 / 5.00 USD (70%)"
    expect(first).toMatch(/01-02 +3\.50 +-2\.50/)
    expect(first).toMatch(/llm breaker closed → open/)
    // per project: why it is held first (80 columns cut the beats the outline holds ahead, shown wider)
    expect(first).toMatch(/projects: 검 ⏸ held: ep 13 dead \(sword, 12/)

    // The outage ends: the breaker closes 42 s after it opened, the alert resolves.
    fake.publish({ _tag: "BreakerChanged", at: now - 18_000, breaker: "llm", from: "open", to: "closed", reason: null })
    fake.publish({ _tag: "Alert", at: now - 18_000, rule: "llm-down", state: "resolved", message: "the LLM answers again" })
    const recovered = await t.waitFor((s) => s.includes("llm recovered in 42 s") && s.includes("Alerts (1)"), "the recovery line")
    expect(recovered).not.toContain("llm-down the LLM")

    // Every row fits the 80 columns and the frame is intact.
    for (const row of recovered.split("\n")) expect(columnsOf(row, "│").every((c) => c < 80), row).toBe(true)

    // Tab focuses the actors table (the flattened supervision tree); arrows scroll it.
    t.send("Tab")
    t.send("Down", "Down", "Down", "Down")
    const actors = await t.waitFor((s) => s.includes("writer-3"), "the scrolled actors table")
    expect(actors).toMatch(/writer-3 +running +2 +LLM tim/)
    expect(actors).toMatch(/Actors .*5-7\/7/)

    // Queue depth over the critical threshold turns the gauge critical.
    fake.setQueue({ queued: 25, inFlight: 2, committed: 130, dead: 3 })
    await t.waitFor((s) => s.includes("depth 25 critical"), "the critical queue gauge")

    t.send("C-c")
    const after = await t.waitFor((s) => /DASHBOARD-EXIT=\d+/.test(s), "the dashboard to exit")
    expect(after).toContain("DASHBOARD-EXIT=0")
  })
})

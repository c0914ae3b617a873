/**
 * The dashboard end to end, in a real pseudo-terminal (tmux, 120×40, TERM=xterm-256color
 * whose terminfo blessed cannot compile), against a real `serve`: panels, a Korean title
 * rendered and aligned, surviving a SIGKILL of the server, pausing intake with p → y,
 * relayout on resize, and q exiting 0 with the terminal restored.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { api, callApi, type FactoryProcess, makeDataDir, startServe, stopProcess } from "../support/factoryProcess.ts"
import { columnsOf, dashboardArgv, hasTmux, openTerminal, type Terminal } from "./tmux.ts"

const TITLE = "검의 계승자"
const PANELS = ["Throughput", "Latency p50/p95", "Queue", "Actors", "Alerts", "Finance", "Recovery", "Events"]

describe.skipIf(!hasTmux())("dashboard in a pseudo-terminal", () => {
  const data = makeDataDir("nf-dash-")
  let serve: FactoryProcess | undefined
  let terminal: Terminal | undefined

  afterAll(async () => {
    terminal?.kill()
    if (serve) await stopProcess(serve, "SIGKILL")
    data.cleanup()
  })

  it("attaches to serve, shows Korean aligned, survives a server crash, pauses intake, quits cleanly", async () => {
    const env = { FACTORY_CONCURRENCY: "1" }
    serve = await startServe(data.dir, env)
    const url = serve.url
    const port = new URL(url).port
    expect((await callApi(url, (c) => c.projects.create({ payload: { slug: "sword", genre: "fantasy_kr", title: TITLE } }))).title).toBe(TITLE)
    expect((await callApi(url, (c) => c.projects.enqueue({ params: { slug: "sword" }, payload: { from: 1, to: 2 } }))).created).toBe(2)

    terminal = openTerminal([process.execPath, ...dashboardArgv(), "--url", url], {
      cols: 120,
      rows: 40,
      env: { LANG: "C.UTF-8", LC_ALL: "C.UTF-8", TERM: "xterm-256color" },
    })
    const t = terminal

    // Panels, header, the Korean title, and the finance panel fed by /api/v1/finance/summary.
    const first = await t.waitFor((s) => s.includes("● connected") && s.includes(TITLE) && s.includes("committed 검의 계승자"), "the connected dashboard")
    for (const title of PANELS) expect(first, title).toContain(`─ ${title}`)
    expect(first).toMatch(/today 0\.00 USD \(no cap\)/)
    expect(first).toMatch(/intake ▶ running/)
    expect(first).not.toMatch(/Error on|Setulc|undefined/)

    // Alignment: every row of the bottom panels has its borders at the same display
    // columns, rows with Hangul included; and every row is exactly 120 columns wide.
    const rows = t.capture()
    const top = rows.findIndex((r) => r.includes("─ Recovery"))
    const bottomRows = rows.slice(top + 1, rows.length - 2)
    const reference = columnsOf(bottomRows[0]!, "│")
    expect(reference).toEqual([0, 59, 60, 119])
    const korean = bottomRows.filter((r) => r.includes(TITLE))
    expect(korean.length).toBeGreaterThan(0)
    for (const row of bottomRows) expect(columnsOf(row, "│"), row).toEqual(reference)
    const header = rows.find((r) => r.includes("projects:"))!
    expect(header).toContain(`${TITLE} (sword`)

    // The server dies (SIGKILL) and comes back on the same port: disconnected — retrying, then reconnected.
    await stopProcess(serve, "SIGKILL")
    await t.waitFor((s) => s.includes("disconnected — retrying"), "the disconnected banner", 10_000)
    serve = await startServe(data.dir, env, ["--port", port])
    const back = await t.waitFor((s) => s.includes("● connected") && s.includes("reconnected to the server after"), "the reconnection", 20_000)
    expect(back).toContain("lost the server")
    expect(back).toMatch(/server restarted \(uptime/)

    // p → confirm → y pauses intake on the server.
    t.send("p")
    await t.waitFor((s) => s.includes("Pause intake on the server? (y/n)"), "the confirm prompt")
    t.send("y")
    await t.waitFor((s) => s.includes("intake ‖ paused"), "intake paused in the header")
    expect((await callApi(url, (c) => c.factory.status())).paused).toBe(true)

    // Filter the events log by Hangul.
    t.send("/")
    t.type("계승")
    t.send("Enter")
    const filtered = await t.waitFor((s) => s.includes("Events /계승"), "the filtered events log")
    const eventRows = filtered.split("\n").filter((r) => columnsOf(r, "│").length === 4)
    for (const row of eventRows.slice(-5)) {
      const right = row.slice(row.indexOf("│", row.indexOf("│") + 1) + 1)
      if (right.trim().replace(/│/g, "").trim() !== "") expect(right).toContain(TITLE)
    }

    // Resize to 80×24: relayout, still readable.
    t.resize(80, 24)
    const small = await t.waitFor((s) => s.split("\n").length === 24 && /\? help/.test(s.split("\n")[23] ?? ""), "the 80×24 relayout")
    for (const title of ["Queue", "Actors", "Events", "Recovery"]) expect(small).toContain(title)
    for (const row of small.split("\n")) expect(columnsOf(row, "│").every((c) => c < 80)).toBe(true)

    // q quits with exit code 0, leaving the alternate screen and raw mode.
    t.send("q")
    const after = await t.waitFor((s) => /DASHBOARD-EXIT=\d+/.test(s) && /icanon/.test(s), "the dashboard to exit")
    expect(after).toContain("DASHBOARD-EXIT=0")
    expect(after).not.toContain("Throughput")
    expect(after).toMatch(/(^|\s)icanon(\s|$)/m)
    expect(after).toMatch(/(^|\s)echo(\s|$)/m)
  })
})

/**
 * The console against a real `serve` in tmux at 100×30 (TERM=tmux-256color): a plugin whose guard
 * check rejects every draft kills episode 1, which holds its project; the projects, workers and
 * dead-letter views show it; Enter shows the cause in full; the plugin is turned off and the
 * operator retries from the dashboard (select, r, y): episode 1 goes back to the queue and
 * commits, and episode 2 after it.
 */
describe.skipIf(!hasTmux())("the dashboard as an operator's console", () => {
  const data = makeDataDir("nf-console-")
  let serve: FactoryProcess | undefined
  let terminal: Terminal | undefined

  afterAll(async () => {
    terminal?.kill()
    if (serve) await stopProcess(serve, "SIGKILL")
    data.cleanup()
  })

  const until = async <A>(read: () => Promise<A>, done: (a: A) => boolean, what: string, timeoutMs = 30_000): Promise<A> => {
    const deadline = Date.now() + timeoutMs
    let last = await read()
    while (!done(last)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`)
      await new Promise((r) => setTimeout(r, 200))
      last = await read()
    }
    return last
  }

  it("shows projects, workers and dead letters, retries a dead episode until it commits, then holds and deletes the project", async () => {
    mkdirSync(join(data.dir, "plugins", "always_reject"), { recursive: true })
    writeFileSync(
      join(data.dir, "plugins", "always_reject", "index.ts"),
      "export const register = (p) => p.check('always', () => [{ code: 'e2e.always-reject', category: 'style', severity: 'error', message: 'rejected by the e2e plugin, every draft' }])\n",
    )
    writeFileSync(join(data.dir, "plugins.yaml"), "enabled: [always_reject]\n")
    writeFileSync(join(data.dir, "factory.yaml"), "canary: { enabled: false }\n")
    serve = await startServe(data.dir, { FACTORY_CONCURRENCY: "1" })
    const url = serve.url
    await callApi(url, (c) => c.projects.create({ payload: { slug: "sword", genre: "fantasy_kr", title: TITLE } }))
    await callApi(url, (c) => c.projects.enqueue({ params: { slug: "sword" }, payload: { from: 1, to: 2 } }))
    const letters = await until(() => callApi(url, (c) => c.console.deadLetters({ query: {} })), (d) => d.length > 0, "episode 1 to die")
    expect(letters.map((d) => [d.job, d.state])).toEqual([["sword:1", "dead"]])

    terminal = openTerminal([process.execPath, ...dashboardArgv(), "--url", url], {
      cols: 100,
      rows: 30,
      env: { LANG: "C.UTF-8", LC_ALL: "C.UTF-8", TERM: "tmux-256color" },
    })
    const t = terminal
    await t.waitFor((s) => s.includes("● connected"), "the connected dashboard")

    // Projects: committed / queued / dead, held and why.
    t.send("2")
    const projects = await t.waitFor((s) => s.includes("Projects (1)") && s.includes("episode 1 is dead"), "the projects view")
    const row = projects.split("\n").find((r) => r.includes(`${TITLE} (sword)`))!
    expect(row).toMatch(/검의 계승자 \(sword\) +0 +1 +1 /)
    expect(row).toContain("⏸ episode 1 is dead: the guard rejected")

    // Workers: the one writer, idle (its project is held).
    t.send("4")
    const workers = await t.waitFor((s) => s.includes("Workers (1)") && s.includes("writer-1"), "the workers view")
    expect(workers).toMatch(/writer-1 +– +idle/)

    // Dead letters: the cause; Enter shows it in full, with the guard's findings.
    t.send("3")
    const dead = await t.waitFor((s) => s.includes("Dead letters (1)"), "the dead-letter view")
    expect(dead).toMatch(/검의 계승자 \(sword\) +#1 +dead +1 .*the guard rejected 3 drafts/)
    t.send("Enter")
    const full = await t.waitFor((s) => s.includes("e2e.always-reject"), "the dead letter in full")
    expect(full).toContain("rejected by the e2e plugin, every draft")
    t.send("x")
    await t.waitFor((s) => !s.includes("e2e.always-reject"), "the detail closed")

    // The plugin off, the operator retries from the dashboard: r, then y.
    writeFileSync(join(data.dir, "plugins.yaml"), "enabled: []\n")
    t.send("r")
    await t.waitFor((s) => s.includes("Retry sword #1 (back to the queue, deliveries reset)? (y/n)"), "the confirm prompt")
    t.send("y")
    await t.waitFor((s) => s.includes("sword #1 is back in the queue"), "the retry's outcome")
    const committed = await until(() => callApi(url, (c) => c.projects.episodes({ params: { slug: "sword" } })), (es) => es.length === 2, "episodes 1–2 to commit", 60_000)
    expect(committed.map((e) => e.number)).toEqual([1, 2])
    await t.waitFor((s) => s.includes("Dead letters (0)") && s.includes("no dead letters"), "the emptied dead-letter list")
    const events = await callApi(url, (c) => c.factory.recentEvents({ query: { limit: "1000" } }))
    expect(events.some((e) => e._tag === "OperatorActed" && e.action === "retry" && e.project === "sword")).toBe(true)

    // Back on the overview, the throughput comes from the server's summary: the two commits count.
    t.send("1")
    await t.waitFor((s) => /Throughput \/min committed 0\.4/.test(s), "the server's throughput in the overview")

    // The project's own actions: hold it (y/n), then delete it, which only its typed slug confirms.
    t.send("2")
    await t.waitFor((s) => s.includes("Projects (1)"), "the projects view again")
    t.send("h")
    await t.waitFor((s) => s.includes("Hold sword (no more episodes handed out; those in flight finish)? (y/n)"), "the hold prompt")
    t.send("y")
    await t.waitFor((s) => s.includes("sword is held"), "the hold's outcome")
    const listed = await callApi(url, (c) => c.projects.list())
    expect(listed.find((p) => p.slug === "sword")?.held).toBe("held from the dashboard")
    t.send("x")
    await t.waitFor((s) => s.includes("delete sword for good — type its slug"), "the delete prompt")
    t.send("sword")
    t.send("Enter")
    await t.waitFor((s) => s.includes("sword deleted"), "the delete's outcome")
    const after404 = await api(url, "GET", "/api/v1/projects/sword")
    expect(after404.status).toBe(404)

    t.send("q")
    const after = await t.waitFor((s) => /DASHBOARD-EXIT=\d+/.test(s), "the dashboard to exit")
    expect(after).toContain("DASHBOARD-EXIT=0")
  })
})

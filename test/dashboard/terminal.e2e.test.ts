/**
 * The dashboard end to end, in a real pseudo-terminal (tmux, 120×40, TERM=xterm-256color
 * whose terminfo blessed cannot compile), against a real `serve`: panels, a Korean title
 * rendered and aligned, surviving a SIGKILL of the server, pausing intake with p → y,
 * relayout on resize, and q exiting 0 with the terminal restored.
 */
import { afterAll, describe, expect, it } from "vitest"
import { callApi, type FactoryProcess, makeDataDir, startServe, stopProcess } from "../support/factoryProcess.ts"
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

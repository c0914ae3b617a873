/**
 * CPU of the dashboard process at a 1 Hz refresh with 10 000 events in its log, fed by
 * a fake API (backlog replayed over SSE, plus a trickle of 5 live events/s), running in
 * a tmux pseudo-terminal (120×40). Measured from /proc/<pid>/stat over ~20 s after the
 * backlog is loaded. Baseline, measured at the same time: an idle blessed screen with
 * one box redrawn at 1 Hz. Target: ≤ 3 % of one core.
 *
 * `node bench/dashboard.ts` prints the results; `npm run bench` may import `run`.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { startFakeFactory, syntheticEvents } from "../test/dashboard/fakeFactory.ts"
import { dashboardArgv, hasTmux, openTerminal, ROOT, type Terminal } from "../test/dashboard/tmux.ts"
import type { BenchResult } from "./BenchResult.ts"


const EVENTS = 10_000
const MEASURE_MS = Number(process.env["BENCH_DASHBOARD_MS"] ?? 20_000)
const TICKS = 100 // USER_HZ on Linux

/** utime + stime of a process, in seconds. */
const cpuSeconds = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) / TICKS
}

const rssMb = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:")) ?? "VmRSS: 0 kB"
  return Number(/(\d+)/.exec(line)![1]) / 1024
}

/** The process the pane's shell started (env → node). */
const childOf = (pid: number): number => {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)
  if (children.length === 0) throw new Error(`no child process under ${pid}`)
  return Number(children[0])
}

/** The baseline: a blessed screen with one box, redrawn once a second. */
const idleScreen = () => {
  const require = createRequire(import.meta.url)
  const blessed = require("blessed") as {
    screen(o: object): { render(): void; destroy(): void; key(k: Array<string>, f: () => void): void }
    box(o: object): { setContent(s: string): void }
  }
  const screen = blessed.screen({ fullUnicode: true, smartCSR: true })
  const box = blessed.box({ parent: screen, top: 0, left: 0, width: "100%", height: "100%", border: { type: "line" }, label: " idle " })
  let n = 0
  setInterval(() => {
    box.setContent(`idle blessed screen, frame ${n++}`)
    screen.render()
  }, 1_000)
  screen.key(["q", "C-c"], () => {
    screen.destroy()
    process.exit(0)
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const run = async (): Promise<Array<BenchResult>> => {
  if (!hasTmux()) return [{ name: "dashboard CPU", value: Number.NaN, unit: "%", note: "skipped: tmux is not installed" }]
  const now = Date.now()
  const fake = await startFakeFactory({ backlog: syntheticEvents(EVENTS, now) })
  const env = { LANG: "C.UTF-8", LC_ALL: "C.UTF-8", TERM: "xterm-256color" }
  const terminals: Array<Terminal> = []
  let live: NodeJS.Timeout | undefined
  try {
    const started = Date.now()
    const dashboard = openTerminal([process.execPath, ...dashboardArgv(), "--url", fake.url, "--refresh", "1000"], { cols: 120, rows: 40, env })
    terminals.push(dashboard)
    const idle = openTerminal([process.execPath, `${ROOT}bench/dashboard.ts`, "--idle-screen"], { cols: 120, rows: 40, env })
    terminals.push(idle)
    await dashboard.waitFor((s) => /Events 10000\b/.test(s), "the 10 000-event backlog", 60_000)
    const loadMs = Date.now() - started
    let seq = 0
    live = setInterval(() => {
      for (const event of syntheticEvents(1, Date.now())) fake.publish({ ...event, job: `live:${seq++}` })
    }, 200)
    await sleep(2_000) // settle: the first frames, JIT
    const dashPid = childOf(dashboard.pid())
    const idlePid = childOf(idle.pid())
    const d0 = cpuSeconds(dashPid)
    const i0 = cpuSeconds(idlePid)
    const t0 = performance.now()
    await sleep(MEASURE_MS)
    const seconds = (performance.now() - t0) / 1000
    const dashPct = ((cpuSeconds(dashPid) - d0) / seconds) * 100
    const idlePct = ((cpuSeconds(idlePid) - i0) / seconds) * 100
    const rss = rssMb(dashPid)
    const idleRss = rssMb(idlePid)
    const screen = dashboard.screen()
    if (!/● connected/.test(screen)) throw new Error(`the dashboard is not connected at the end:\n${screen}`)
    return [
      {
        name: `dashboard CPU, 1 Hz refresh, ${EVENTS} events in the log, 5 live events/s`,
        value: dashPct,
        unit: "% of a core",
        baseline: idlePct,
        ...(idlePct > 0 ? { ratio: dashPct / idlePct } : {}),
        note: `baseline: idle blessed screen at 1 Hz; target ≤ 3 %; ${dashPct <= 3 ? "within" : "ABOVE"} target; over ${seconds.toFixed(0)} s`,
      },
      { name: `time to load and show ${EVENTS} backlog events`, value: loadMs, unit: "ms", note: "process start → 'Events 10000' on screen (includes Node start-up)" },
      { name: "dashboard resident memory", value: rss, unit: "MB", baseline: idleRss, ratio: rss / idleRss, note: "baseline: the idle blessed screen's RSS" },
    ]
  } finally {
    if (live) clearInterval(live)
    for (const t of terminals) t.kill()
    await fake.close()
  }
}

if (import.meta.main) {
  if (process.argv.includes("--idle-screen")) idleScreen()
  else {
    const results = await run()
    for (const r of results) {
      process.stdout.write(
        `${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.baseline === undefined ? "" : ` (baseline ${r.baseline.toFixed(2)}${r.ratio === undefined ? "" : `, ${r.ratio.toFixed(2)}×`})`}${r.note ? ` — ${r.note}` : ""}\n`,
      )
    }
  }
}

import { describe, expect, it } from "vitest"
import { dashboardUrl } from "../../src/cli/commands/dashboard.ts"
import { Duration, Effect, Schedule } from "effect"
import { reconnectDelays } from "../../src/dashboard/Client.ts"
import { layout } from "../../src/dashboard/Layout.ts"
import { colorsOf, paletteFor, terminalFor } from "../../src/dashboard/Palette.ts"
import { confirmQuestion, handleKey, initialUi, type Key, type KeyContext, type UiState, visibleWindow } from "../../src/dashboard/Ui.ts"

const ctx: KeyContext = { paused: false, now: 0, page: 10 }
const press = (ui: UiState, ...keys: Array<Key | string>) => pressIn(ctx, ui, ...keys)
const pressIn = (context: KeyContext, ui: UiState, ...keys: Array<Key | string>) => {
  let state = ui
  const commands = []
  for (const k of keys) {
    const key = typeof k === "string" ? { name: k, ch: k.length === 1 ? k : undefined } : k
    const result = handleKey(state, key, context)
    state = result.ui
    if (result.command) commands.push(result.command)
  }
  return { ui: state, commands }
}

describe("keys", () => {
  it("q and Ctrl-C quit", () => {
    expect(press(initialUi(), "q").commands).toEqual([{ _tag: "Quit" }])
    expect(press(initialUi(), { name: "C-c", ctrl: true }).commands).toEqual([{ _tag: "Quit" }])
  })

  it("p asks before pausing; y confirms, n cancels", () => {
    const asked = press(initialUi(), "p")
    expect(asked.ui.mode).toEqual({ _tag: "Confirm", action: { _tag: "SetIntake", paused: true } })
    expect(asked.commands).toEqual([])
    expect(press(asked.ui, "y").commands).toEqual([{ _tag: "SetIntake", paused: true }])
    const cancelled = press(asked.ui, "n")
    expect(cancelled.commands).toEqual([])
    expect(cancelled.ui.mode._tag).toBe("Normal")
    // Resume when paused; unknown state refuses.
    expect(handleKey(initialUi(), { name: "p" }, { ...ctx, paused: true }).ui.mode).toEqual({ _tag: "Confirm", action: { _tag: "SetIntake", paused: false } })
    expect(handleKey(initialUi(), { name: "p" }, { ...ctx, paused: null }).ui.notice?.level).toBe("error")
  })

  it("q in the confirm prompt cancels rather than quits", () => {
    expect(press(initialUi(), "p", "q").commands).toEqual([])
  })

  it("/ edits a filter (Hangul too), Enter applies, Esc clears", () => {
    const typed = press(initialUi(), "/", "검", "의", "x", "backspace", "enter")
    expect(typed.ui.filter).toBe("검의")
    expect(typed.ui.mode._tag).toBe("Normal")
    expect(press(typed.ui, "escape").ui.filter).toBe("")
    // q while typing a filter is text, not quit.
    expect(press(initialUi(), "/", "q").commands).toEqual([])
  })

  it("Tab cycles focus; arrows scroll the focused panel", () => {
    let ui = initialUi()
    expect(ui.focus).toBe("events")
    ui = press(ui, "tab").ui
    expect(ui.focus).toBe("actors")
    ui = press(ui, "down", "down", "up").ui
    expect(ui.scroll.actors).toBe(1)
    ui = press(ui, "S-tab").ui
    expect(ui.focus).toBe("events")
    ui = press(ui, "up", "up").ui // logs: up = older = further from the tail
    expect(ui.scroll.events).toBe(2)
    ui = press(ui, "end").ui
    expect(ui.scroll.events).toBe(0)
  })

  it("? toggles help, any key closes it", () => {
    const open = press(initialUi(), "?")
    expect(open.ui.mode._tag).toBe("Help")
    expect(press(open.ui, "x").ui.mode._tag).toBe("Normal")
  })

  it("windows a log from its tail", () => {
    expect(visibleWindow(100, 10, 0, true)).toEqual({ start: 90, end: 100, offset: 0 })
    expect(visibleWindow(100, 10, 5, true)).toEqual({ start: 85, end: 95, offset: 5 })
    expect(visibleWindow(100, 10, 1e9, true)).toEqual({ start: 0, end: 10, offset: 90 })
    expect(visibleWindow(3, 10, 4, false)).toEqual({ start: 0, end: 3, offset: 0 })
  })
})

describe("layout", () => {
  it("fits 80×24 and 120×40 with every panel inside the screen and readable", () => {
    for (const [cols, rows] of [
      [80, 24],
      [120, 40],
      [200, 60],
    ] as const) {
      const l = layout(cols, rows)
      const panels = [l.throughput, l.latency, l.queue, l.actors, l.alerts, l.finance, l.recovery, l.events]
      for (const p of panels) {
        expect(p.left + p.width).toBeLessThanOrEqual(cols)
        expect(p.top + p.height).toBeLessThanOrEqual(rows - 1)
        expect(p.height).toBeGreaterThanOrEqual(4)
        expect(p.width).toBeGreaterThanOrEqual(20)
      }
      expect(l.footer.top).toBe(rows - 1)
      expect(l.events.left + l.events.width).toBe(cols)
    }
  })
})

describe("client helpers", () => {
  it("backs off exponentially up to a cap", async () => {
    const delays = await Effect.runPromise(
      Effect.gen(function* () {
        const step = yield* Schedule.toStep(reconnectDelays())
        const out: Array<number> = []
        for (let i = 0; i < 8; i++) out.push(Duration.toMillis((yield* step(0, undefined))[0]))
        return out
      }),
    )
    expect(delays).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000, 5000])
  })
})

describe("the dashboard command's address", () => {
  it("takes --url, else FACTORY_URL, else loopback on FACTORY_PORT or 8080", () => {
    expect(dashboardUrl("http://10.0.0.5:9000/", {})).toBe("http://10.0.0.5:9000")
    expect(dashboardUrl(undefined, { FACTORY_URL: "https://factory.example" })).toBe("https://factory.example")
    expect(dashboardUrl(undefined, { FACTORY_PORT: "9100" })).toBe("http://127.0.0.1:9100")
    expect(dashboardUrl(undefined, {})).toBe("http://127.0.0.1:8080")
    expect(dashboardUrl("not a url", {})).toMatchObject({ _tag: "UsageError" })
    expect(dashboardUrl("ftp://x", {})).toMatchObject({ _tag: "UsageError" })
  })
})

describe("views and the operator's actions", () => {
  const letter = { project: "sword", episode: 4, state: "dead" as const }
  const inDead: KeyContext = { ...ctx, rows: 3, deadLetter: letter }

  it("1–4 switch between the overview, projects, dead letters and workers; Esc goes back", () => {
    expect(initialUi().view).toBe("overview")
    expect(press(initialUi(), "2").ui.view).toBe("projects")
    expect(press(initialUi(), "3").ui.view).toBe("dead")
    expect(press(initialUi(), "4").ui.view).toBe("workers")
    expect(press(initialUi(), "4", "1").ui.view).toBe("overview")
    expect(press(initialUi(), "3", "escape").ui.view).toBe("overview")
  })

  it("arrows select a row of a table view, within the rows there are", () => {
    const ui = pressIn(inDead, initialUi(), "3", "down", "down", "down", "down").ui
    expect(ui.selected.dead).toBe(2)
    expect(pressIn(inDead, ui, "up").ui.selected.dead).toBe(1)
    expect(pressIn(inDead, ui, "home").ui.selected.dead).toBe(0)
    // the overview's scroll is untouched by a table's selection
    expect(ui.scroll).toEqual(initialUi().scroll)
  })

  it("r asks before retrying the selected dead letter; y sends it, n cancels", () => {
    const asked = pressIn(inDead, initialUi(), "3", "r")
    expect(asked.ui.mode).toEqual({ _tag: "Confirm", action: { _tag: "Retry", project: "sword", episode: 4 } })
    expect(asked.commands).toEqual([])
    expect(confirmQuestion({ _tag: "Retry", project: "sword", episode: 4 })).toMatch(/^Retry sword #4 .*\(y\/n\)$/)
    const confirmed = pressIn(inDead, asked.ui, "y")
    expect(confirmed.commands).toEqual([{ _tag: "Retry", project: "sword", episode: 4 }])
    expect(confirmed.ui.notice?.text).toBe("retrying sword #4…")
    const cancelled = pressIn(inDead, asked.ui, "n")
    expect(cancelled.commands).toEqual([])
    expect(cancelled.ui.notice?.text).toBe("cancelled")
  })

  it("s asks for the reason, then y/n; an empty reason is refused", () => {
    const typing = pressIn(inDead, initialUi(), "3", "s", "불", "필", "요", "x", "backspace")
    expect(typing.ui.mode).toEqual({ _tag: "Reason", project: "sword", episode: 4, draft: "불필요" })
    // q and y while typing the reason are text
    expect(pressIn(inDead, typing.ui, "q").commands).toEqual([])
    const asked = pressIn(inDead, typing.ui, "enter")
    expect(asked.ui.mode).toEqual({ _tag: "Confirm", action: { _tag: "Skip", project: "sword", episode: 4, reason: "불필요" } })
    expect(pressIn(inDead, asked.ui, "y").commands).toEqual([{ _tag: "Skip", project: "sword", episode: 4, reason: "불필요" }])
    const empty = pressIn(inDead, initialUi(), "3", "s", " ", "enter")
    expect(empty.ui.mode._tag).toBe("Reason")
    expect(empty.ui.notice?.level).toBe("error")
    expect(pressIn(inDead, empty.ui, "escape").ui.mode._tag).toBe("Normal")
  })

  it("r and s outside the dead-letter view, or with none selected, say so and send nothing", () => {
    const outside = pressIn(inDead, initialUi(), "r")
    expect(outside.commands).toEqual([])
    expect(outside.ui.mode._tag).toBe("Normal")
    expect(outside.ui.notice?.level).toBe("error")
    const none = pressIn({ ...ctx, rows: 0, deadLetter: null }, initialUi(), "3", "s")
    expect(none.ui.mode._tag).toBe("Normal")
    expect(none.ui.notice?.text).toBe("no dead letter selected")
  })

  it("h, u and c ask before holding, resuming or cancelling the selected project; y sends it", () => {
    const inProjects: KeyContext = { ...ctx, rows: 2, project: "sword" }
    for (const [key, action] of [["h", { _tag: "Hold", project: "sword" }], ["u", { _tag: "Resume", project: "sword" }], ["c", { _tag: "Cancel", project: "sword" }]] as const) {
      const asked = pressIn(inProjects, initialUi(), "2", key)
      expect(asked.ui.mode).toEqual({ _tag: "Confirm", action })
      expect(asked.commands).toEqual([])
      expect(confirmQuestion(action)).toMatch(/sword.*\(y\/n\)$/)
      expect(pressIn(inProjects, asked.ui, "y").commands).toEqual([action])
      expect(pressIn(inProjects, asked.ui, "n").commands).toEqual([])
    }
    // outside the projects view, or with none selected: nothing is sent
    expect(pressIn(inProjects, initialUi(), "h").ui.notice?.level).toBe("error")
    expect(pressIn({ ...ctx, rows: 0, project: null }, initialUi(), "2", "c").ui.notice?.text).toBe("no project selected")
  })

  it("x deletes the selected project only once its slug is typed exactly; y alone does not", () => {
    const inProjects: KeyContext = { ...ctx, rows: 1, project: "sword" }
    const asked = pressIn(inProjects, initialUi(), "2", "x")
    expect(asked.ui.mode).toEqual({ _tag: "DeleteSlug", project: "sword", draft: "" })
    expect(pressIn(inProjects, asked.ui, "y", "enter").commands).toEqual([])
    const wrong = pressIn(inProjects, asked.ui, "s", "w", "o", "r", "enter")
    expect(wrong.commands).toEqual([])
    expect(wrong.ui.mode._tag).toBe("DeleteSlug")
    expect(wrong.ui.notice?.level).toBe("error")
    const typed = pressIn(inProjects, asked.ui, "s", "w", "o", "r", "d", "enter")
    expect(typed.commands).toEqual([{ _tag: "Delete", project: "sword" }])
    expect(typed.ui.mode._tag).toBe("Normal")
    expect(pressIn(inProjects, asked.ui, "escape").ui.notice?.text).toBe("cancelled")
  })

  it("Enter shows the selected row in full (an alert when the alerts panel has the focus); any key closes it", () => {
    const alerts: KeyContext = { ...ctx, rows: 2 }
    // focus the alerts panel: events → actors → latency → alerts
    const focused = pressIn(alerts, initialUi(), "tab", "tab", "tab")
    expect(focused.ui.focus).toBe("alerts")
    const second = pressIn(alerts, focused.ui, "down", "enter")
    expect(second.ui.selected.alerts).toBe(1)
    expect(second.ui.mode._tag).toBe("Detail")
    expect(pressIn(alerts, second.ui, "x").ui.mode._tag).toBe("Normal")
    // nothing to show: Enter does nothing
    expect(pressIn({ ...ctx, rows: 0 }, focused.ui, "enter").ui.mode._tag).toBe("Normal")
    expect(pressIn(inDead, initialUi(), "3", "enter").ui.mode._tag).toBe("Detail")
  })
})

describe("colours under tmux and screen", () => {
  it("asks blessed for xterm-256color under a multiplexer's 256-colour terminal, anything else as it is", () => {
    for (const term of ["screen-256color", "tmux-256color", "screen.xterm-256color", "screen-256colour"]) expect(terminalFor(term), term).toBe("xterm-256color")
    for (const term of ["screen", "tmux", "xterm", "xterm-256color", "linux", "nf-no-such-terminal"]) expect(terminalFor(term), term).toBe(term)
    expect(terminalFor(undefined)).toBe("xterm")
    expect(terminalFor("")).toBe("xterm")
  })

  it("draws borders and dim text in colours the terminal has: no gray (reduced to black) with 8", () => {
    expect(paletteFor(8)).toEqual({ border: "white", dim: "white", focus: "cyan" })
    expect(paletteFor(256)).toEqual({ border: "gray", dim: "gray", focus: "cyan" })
    expect(paletteFor(16).border).toBe("gray")
    for (const colors of [2, 8]) expect(Object.values(paletteFor(colors))).not.toContain("gray")
  })

  it("takes the colour count the terminal reports, else what its name promises", () => {
    expect(colorsOf(8, "screen")).toBe(8)
    expect(colorsOf(256, "xterm")).toBe(256)
    expect(colorsOf(undefined, "xterm-256color")).toBe(256)
    expect(colorsOf(0, "screen")).toBe(8)
  })
})

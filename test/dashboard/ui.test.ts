import { describe, expect, it } from "vitest"
import { dashboardUrl } from "../../src/cli/commands/dashboard.ts"
import { backoffMs } from "../../src/dashboard/Client.ts"
import { layout } from "../../src/dashboard/Layout.ts"
import { handleKey, initialUi, type Key, type UiState, visibleWindow } from "../../src/dashboard/Ui.ts"

const ctx = { paused: false, now: 0, page: 10 }
const press = (ui: UiState, ...keys: Array<Key | string>) => {
  let state = ui
  const commands = []
  for (const k of keys) {
    const key = typeof k === "string" ? { name: k, ch: k.length === 1 ? k : undefined } : k
    const result = handleKey(state, key, ctx)
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
    expect(asked.ui.mode).toEqual({ _tag: "Confirm", pause: true })
    expect(asked.commands).toEqual([])
    expect(press(asked.ui, "y").commands).toEqual([{ _tag: "SetIntake", paused: true }])
    const cancelled = press(asked.ui, "n")
    expect(cancelled.commands).toEqual([])
    expect(cancelled.ui.mode._tag).toBe("Normal")
    // Resume when paused; unknown state refuses.
    expect(handleKey(initialUi(), { name: "p" }, { ...ctx, paused: true }).ui.mode).toEqual({ _tag: "Confirm", pause: false })
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
  it("backs off exponentially up to a cap", () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => backoffMs(n))).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000])
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

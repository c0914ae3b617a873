/**
 * Where each panel goes for a terminal of `cols` × `rows`: pure arithmetic, recomputed
 * on every resize. Three bands under a two-line header and above a one-line footer:
 *   throughput │ latency │ queue
 *   actors     │ alerts  │ finance
 *   recovery   │ events
 * 80×24 keeps every panel with at least two lines of content.
 */

export interface Rect {
  readonly top: number
  readonly left: number
  readonly width: number
  readonly height: number
}

export interface DashboardLayout {
  readonly cols: number
  readonly rows: number
  readonly header: Rect
  readonly throughput: Rect
  readonly latency: Rect
  readonly queue: Rect
  readonly actors: Rect
  readonly alerts: Rect
  readonly finance: Rect
  readonly recovery: Rect
  readonly events: Rect
  /** The whole body, for the views that are one table (projects, dead letters, workers). */
  readonly table: Rect
  readonly footer: Rect
}

export const MIN_COLS = 40
export const MIN_ROWS = 16

export const layout = (cols: number, rows: number): DashboardLayout => {
  const width = Math.max(MIN_COLS, Math.floor(cols))
  const height = Math.max(MIN_ROWS, Math.floor(rows))
  const header: Rect = { top: 0, left: 0, width, height: 2 }
  const footer: Rect = { top: height - 1, left: 0, width, height: 1 }
  const body = height - header.height - footer.height
  const h1 = Math.max(7, Math.round(body * 0.33))
  const h2 = Math.max(5, Math.round(body * 0.3))
  const h3 = Math.max(4, body - h1 - h2)
  const top1 = header.height
  const top2 = top1 + h1
  const top3 = top2 + h2
  const half = Math.floor(width / 2)
  const quarter = Math.floor((width - half) / 2)
  return {
    cols: width,
    rows: height,
    header,
    throughput: { top: top1, left: 0, width: half, height: h1 },
    latency: { top: top1, left: half, width: quarter, height: h1 },
    queue: { top: top1, left: half + quarter, width: width - half - quarter, height: h1 },
    actors: { top: top2, left: 0, width: half, height: h2 },
    alerts: { top: top2, left: half, width: quarter, height: h2 },
    finance: { top: top2, left: half + quarter, width: width - half - quarter, height: h2 },
    recovery: { top: top3, left: 0, width: half, height: h3 },
    events: { top: top3, left: half, width: width - half, height: h3 },
    table: { top: header.height, left: 0, width, height: body },
    footer,
  }
}

/** Lines of content inside a bordered panel. */
export const innerHeight = (rect: Rect): number => Math.max(0, rect.height - 2)
export const innerWidth = (rect: Rect): number => Math.max(0, rect.width - 2)

/** An HTTP error answered as RFC 9457 `application/problem+json`. */
export interface Problem {
  readonly status: number
  readonly title: string
  readonly detail: string
  /** The request field that was wrong, when there is one. */
  readonly field?: string
}

/** An answer the guard writes itself, before or instead of an endpoint's (refusals, 404/405, 413). */
export interface ApiResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  421: "Misdirected Request",
  500: "Internal Server Error",
  503: "Service Unavailable",
}

export const problem = (status: number, detail: string, field?: string): Problem => ({
  status,
  title: TITLES[status] ?? "Error",
  detail,
  ...(field ? { field } : {}),
})

export const problemResponse = (p: Problem, extraHeaders: Record<string, string> = {}): ApiResponse => ({
  status: p.status,
  headers: { "content-type": "application/problem+json; charset=utf-8", ...extraHeaders },
  body: JSON.stringify({ type: "about:blank", ...p }),
})

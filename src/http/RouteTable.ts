/**
 * Which methods `FactoryApi` serves on a path, read from the definition itself: the router
 * answers "no route" alike for a wrong path and a wrong method, and a client deserves to know
 * which one it got (404, or 405 with `Allow`).
 */

export interface RouteTable {
  /** The methods served on this (undecoded) path; empty when no endpoint has it. */
  readonly methodsOf: (path: string) => ReadonlyArray<string>
}

const templateToPattern = (template: string): RegExp =>
  new RegExp(`^${template.split("/").map((segment) => (segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("/")}/?$`)

/** The shape of an `HttpApi` this needs: its groups' endpoints' methods and path templates. */
interface Definition {
  readonly groups: Readonly<Record<string, { readonly endpoints: Readonly<Record<string, { readonly method: string; readonly path: string }>> }>>
}

export const routeTable = (api: Definition, extra: ReadonlyArray<{ readonly method: string; readonly path: string }> = []): RouteTable => {
  const routes = [
    ...Object.values(api.groups).flatMap((group) => Object.values(group.endpoints).map(({ method, path }) => ({ method, path }))),
    ...extra,
  ].map((route) => ({ method: route.method, pattern: templateToPattern(route.path) }))
  return {
    methodsOf: (path) => [...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))],
  }
}

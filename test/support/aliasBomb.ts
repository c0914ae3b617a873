/**
 * A YAML "billion laughs": six anchored lines, each multiplying the one before by nine (millions of
 * strings once expanded), after the `lead` lines given.
 */
export const aliasBomb = (lead: ReadonlyArray<string> = []): string =>
  [
    ...lead,
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
    "",
  ].join("\n")

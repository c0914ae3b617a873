/**
 * The outline through the API: the operator reads the arcs and beats, edits and approves beats and
 * adds new ones; a written beat is frozen (409), a bad edit is named (400), an unknown project 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api } from "../support/factoryProcess.ts"
import { type StartedApi, startApi } from "./apiServer.ts"

describe("GET/POST/PATCH/DELETE /api/v1/projects/:slug/outline…", () => {
  let server: StartedApi
  beforeAll(async () => {
    server = await startApi()
  })
  afterAll(() => server.close())

  it("shows the template's outline, edits, adds and approves beats, and refuses what it must", async () => {
    expect((await api(server.url, "POST", "/api/v1/projects", { slug: "road", genre: "fantasy_kr" })).status).toBe(201)
    const outline = await api(server.url, "GET", "/api/v1/projects/road/outline")
    expect(outline.status).toBe(200)
    const beats = outline.json.beats as Array<{ episode: number; state: string; text: string }>
    expect(beats.length).toBe(15)
    expect(beats.every((b) => b.state === "approved")).toBe(true)

    const edited = await api(server.url, "PATCH", "/api/v1/projects/road/outline/beats/3", { text: "윤하가 안개 나루에서 옛 지도를 찾는다" })
    expect(edited.status, edited.text).toBe(200)
    expect(edited.json.beats.find((b: { episode: number }) => b.episode === 3).text).toBe("윤하가 안개 나루에서 옛 지도를 찾는다")

    const added = await api(server.url, "POST", "/api/v1/projects/road/outline/beats/16", { text: "월하성에 첫눈이 내린다", title: "첫눈" })
    expect(added.status, added.text).toBe(201)
    expect(added.json.beats.find((b: { episode: number }) => b.episode === 16)).toMatchObject({ title: "첫눈", state: "approved" })
    expect((await api(server.url, "POST", "/api/v1/projects/road/outline/beats/16", { text: "again" })).status).toBe(409)
    const noText = await api(server.url, "POST", "/api/v1/projects/road/outline/beats/17", {})
    expect([noText.status, noText.json.field]).toEqual([400, "text"])

    expect((await api(server.url, "DELETE", "/api/v1/projects/road/outline/beats/16", undefined, { "content-type": "application/json" })).status).toBe(200)
    expect((await api(server.url, "GET", "/api/v1/projects/nope/outline")).status).toBe(404)
    expect((await api(server.url, "POST", "/api/v1/projects/road/outline/approve", { from: 1, to: 2 })).status).toBe(200)
  })
})

// The peer side of the side-by-side benchmark: N devices (one Repo and one
// WebSocket each) push M small records as Automerge documents through a
// byte-counting TCP proxy to automerge-repo's sync server; then a fresh
// device fetches them all. Prints one JSON line.
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import net from "node:net"
import fs from "node:fs"
import path from "node:path"

const [serverPort, storeDir, N, M] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v)))
let bytes = 0

// A busy machine makes the server drop connections (ECONNRESET, "socket
// hang up") or lets a connect time out (ETIMEDOUT, ECONNABORTED: a run on
// 2026-12-07 with the test suite beside it died so); automerge-repo's
// WebSocket adapter emits those as unhandled errors that would kill this
// process mid-push (two 50 × 200 runs died so).
// The adapter reconnects by itself and the repos sync again on reconnect,
// so a reset is counted and reported, with how many records were not yet
// stored when it came, never fatal.
let resets = 0
const resetAt = []
const isReset = (e) =>
  /ECONNRESET|socket hang up|ECONNREFUSED|EPIPE|ETIMEDOUT|ECONNABORTED/.test(String(e?.message ?? e))
process.on("uncaughtException", (e) => {
  if (!isReset(e)) { console.error(e); process.exit(1) }
  resets++
  resetAt.push(N * M - stored())
})
process.on("unhandledRejection", (e) => {
  if (!isReset(e)) { console.error(e); process.exit(1) }
  resets++
  resetAt.push(N * M - stored())
})
const proxy = net.createServer((c) => {
  const s = net.connect(serverPort, "127.0.0.1")
  c.on("data", (d) => { bytes += d.length; s.write(d) })
  s.on("data", (d) => { bytes += d.length; c.write(d) })
  c.on("close", () => s.destroy()); s.on("close", () => c.destroy())
  c.on("error", () => {}); s.on("error", () => {})
})
await new Promise((r) => proxy.listen(0, "127.0.0.1", r))
const url = `ws://127.0.0.1:${proxy.address().port}`

// Documents the server has written to its storage directory.
function stored() {
  let n = 0
  if (!fs.existsSync(storeDir)) return 0
  for (const a of fs.readdirSync(storeDir)) {
    const pa = path.join(storeDir, a)
    if (!fs.statSync(pa).isDirectory()) continue
    for (const b of fs.readdirSync(pa)) n++
  }
  return n
}

const t0 = performance.now()
const ids = []
const repos = []
for (let d = 0; d < N; d++) {
  const repo = new Repo({ network: [new WebSocketClientAdapter(url)] })
  repos.push(repo)
  for (let i = 0; i < M; i++) {
    const h = repo.create({
      kind: "patrol_visit", hotspot_id: `h${i % 12}`, started_at: 1767000000000 + i * 1000,
      ended_at: 1767000720000 + i * 1000, contacts: 1, interventions: 0, officers_count: 2,
      notes: "Lugnt vid busshållplatsen, en kontakt.",
    })
    ids.push(h.url)
    // Let the network and storage keep up: one Node process plays all
    // the phones, and creating thousands of documents in one go starves
    // the event loop that sends them.
    if (i % 10 === 9) await new Promise((r) => setImmediate(r))
  }
}
// Waits until every record is stored; gives up after five minutes without
// progress (a dead server), saying how far it got, instead of hanging.
let last = { n: -1, at: performance.now() }
while (stored() < N * M) {
  const n = stored()
  if (n !== last.n) last = { n, at: performance.now() }
  if (performance.now() - last.at > 300_000) {
    console.error(JSON.stringify({ error: "no progress for 5 minutes", stored: n, of: N * M, resets, reset_unstored: resetAt }))
    process.exit(1)
  }
  await new Promise((r) => setTimeout(r, 20))
}
const pushed = performance.now() - t0
const pushBytes = bytes
// Printed at once (stderr), so a failure while fetching keeps these.
console.error(JSON.stringify({ pushed_ms: pushed, push_bytes: pushBytes }))

const t1 = performance.now()
const fresh = new Repo({ network: [new WebSocketClientAdapter(url)] })
// In batches, each document retried for about two minutes: asked for all
// 10,000 at once, or while loaded, the server answers some "unavailable"
// before it has looked them up. Retries are reported.
let retries = 0
for (let b = 0; b < ids.length; b += 100) {
  await Promise.all(ids.slice(b, b + 100).map(async (u) => {
    for (let attempt = 0; ; attempt++) {
      try { return await fresh.find(u) } catch (e) {
        if (attempt >= 1200) throw e
        retries++
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }))
}
const fetched = performance.now() - t1
console.log(JSON.stringify({ pushed_ms: pushed, push_bytes: pushBytes, fetch_ms: fetched, fetch_bytes: bytes - pushBytes, fetch_retries: retries, resets, reset_unstored: resetAt }))
process.exit(0)

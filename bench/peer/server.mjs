// automerge-repo's reference sync server setup: a Repo with the Node file
// system storage and the WebSocket server adapter. Installed by package name
// by scripts/peer-bench.sh; nothing of the peer is committed.
import { Repo } from "@automerge/automerge-repo"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { WebSocketServer } from "ws"

const [port, dir] = process.argv.slice(2)

// On a busy machine automerge-repo's server rejects its own document loads
// after 60 s ("timed out") without handling the rejection, and Node ends the
// process: the real cause of the dead 50 × 200 runs (the client then looped
// on resets). Logged and counted (server_errors) instead; the client asks
// again for what was not answered.
let errors = 0
const survive = (e) => { errors++; console.error(`server_error ${errors}: ${String(e?.message ?? e)}`) }
process.on("unhandledRejection", survive)
process.on("uncaughtException", survive)
const wss = new WebSocketServer({ port: Number(port), host: "127.0.0.1" })
new Repo({
  network: [new WebSocketServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dir),
  // A sync server keeps what it is sent and serves what it is asked for.
  sharePolicy: async () => false,
})
console.log("listening")

//! The listener: accepting connections within limits that hold without a
//! proxy in front.
//!
//! `axum::serve` has no header-read timeout and no connection cap, so a few
//! hundred connections that never finish their headers (slowloris) kept
//! the server's file descriptors until it could not open its database. This
//! is the accept loop of axum's own `serve` (hyper's HTTP/1 connection with
//! the router as its service), with three limits added:
//!
//! - **header-read timeout** (hyper's `header_read_timeout`): a request's
//!   headers must all arrive within it, and since hyper 1.6 the same timer
//!   runs while a kept-alive connection waits for its next request, so it
//!   is also the idle timeout;
//! - **a connection cap** for the whole server, below the process's file
//!   limit so that the database can always open its files;
//! - **a connection cap per peer address**, so that one source cannot take
//!   all the connections (a trusted proxy, whose connections carry every
//!   client, is exempt: it keeps its own limits).
//!
//! A connection over a cap is answered `503` at once and closed; it never
//! reaches the router.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// Limits of the listener (see the module's documentation).
#[derive(Debug, Clone, Copy)]
pub struct TransportLimits {
    /// Time for a request's headers to arrive, and for a kept-alive
    /// connection to start its next request.
    pub header_timeout: Duration,
    /// Connections open at once, all peers together (lowered to fit the
    /// process's file limit).
    pub max_connections: usize,
    /// Connections open at once from one peer address.
    pub max_connections_per_peer: usize,
    /// A proxy in front: exempt from the per-peer cap, and its
    /// `X-Forwarded-For` names the peer for the request-rate limits.
    pub trusted_proxy: Option<IpAddr>,
}

impl Default for TransportLimits {
    fn default() -> Self {
        TransportLimits {
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_connections_per_peer: 64,
            trusted_proxy: None,
        }
    }
}

/// File descriptors kept free of connections: the database, its journal,
/// the log, and a new connection being refused.
const RESERVED_FILES: usize = 64;

/// The connection cap that fits under the process's open-file limit.
fn fitting_cap(wanted: usize) -> usize {
    #[cfg(unix)]
    {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
        if let Some(files) = limit.current {
            let files = usize::try_from(files).unwrap_or(usize::MAX);
            return wanted.min(files.saturating_sub(RESERVED_FILES).max(8));
        }
    }
    wanted
}

/// Counts of open connections per peer address.
#[derive(Default)]
struct Peers(Mutex<HashMap<IpAddr, usize>>);

/// One open connection of a peer; dropping it gives the place back.
struct PeerSlot {
    peers: Arc<Peers>,
    ip: IpAddr,
}

impl Peers {
    fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<PeerSlot> {
        // A poisoned lock only means another connection's task panicked
        // while counting; the counts themselves are still whole.
        let mut open = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(PeerSlot {
            peers: self.clone(),
            ip,
        })
    }
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut open = self.peers.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 5\r\nconnection: close\r\ncontent-length: 78\r\n\r\n{\"error\":\"unavailable\",\"message\":\"too many connections; try again shortly.\"}";

/// Answers a connection over a cap without reading it, and closes it.
async fn refuse(mut stream: TcpStream) {
    // Bounded: a peer that does not read its answer is simply dropped.
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(BUSY)).await;
    let _ = stream.shutdown().await;
}

/// Serves `router` on `listener` within `limits` until `shutdown`
/// resolves, then lets the requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: TransportLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cap = fitting_cap(limits.max_connections);
    let open = Arc::new(Semaphore::new(cap));
    let peers = Arc::new(Peers::default());
    // Every connection's task holds a receiver; shutdown sends, and the
    // loop waits until all receivers are gone.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    tracing::info!(
        max_connections = cap,
        per_peer = limits.max_connections_per_peer,
        header_timeout_s = limits.header_timeout.as_secs_f64(),
        "accepting connections"
    );
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors or a peer gone before the
                    // accept: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tracing::warn!("connection refused: the server's connection cap is reached");
            tokio::spawn(refuse(stream));
            continue;
        };
        let slot = if Some(peer.ip()) == limits.trusted_proxy {
            None
        } else {
            match peers.take(peer.ip(), limits.max_connections_per_peer) {
                Some(slot) => Some(slot),
                None => {
                    tracing::warn!("connection refused: one peer's connection cap is reached");
                    tokio::spawn(refuse(stream));
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            peer,
            router.clone(),
            limits.header_timeout,
            stop_rx.clone(),
            (permit, slot),
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(stop_rx);
    stop_tx.closed().await;
    Ok(())
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
    // Held until the connection ends.
    _places: (OwnedSemaphorePermit, Option<PeerSlot>),
) {
    let service = router.map_request(move |mut req: axum::extract::Request| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req
    });
    let service =
        TowerToHyperService::new(service.map_request(
            |req: hyper::Request<hyper::body::Incoming>| req.map(axum::body::Body::new),
        ));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended");
            }
            return;
        }
        _ = stop.changed() => {}
    }
    // Shutting down: finish the request in flight, then close.
    conn.as_mut().graceful_shutdown();
    if let Err(e) = conn.await {
        tracing::debug!(error = %e, "connection ended");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_gets_its_places_back_when_its_connections_close() {
        let peers = Arc::new(Peers::default());
        let ip: IpAddr = "127.0.0.2".parse().expect("test value");
        let a = peers.take(ip, 2).expect("test value");
        let b = peers.take(ip, 2).expect("test value");
        assert!(peers.take(ip, 2).is_none(), "a third is over the cap");
        assert!(
            peers
                .take("127.0.0.3".parse().expect("test value"), 2)
                .is_some(),
            "another peer has its own places"
        );
        drop(a);
        let c = peers.take(ip, 2);
        assert!(c.is_some());
        drop((b, c));
        assert!(
            peers.0.lock().expect("lock").is_empty(),
            "no peer kept once closed"
        );
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_cap_stays_under_the_file_limit() {
        // The limit as the kernel reports it, read apart from rustix.
        let limits = std::fs::read_to_string("/proc/self/limits").expect("limits");
        let soft = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .and_then(|l| l.split_whitespace().nth(3))
            .expect("a Max open files line");
        match soft.parse::<usize>() {
            Ok(files) => assert_eq!(
                fitting_cap(usize::MAX),
                files.saturating_sub(RESERVED_FILES).max(8)
            ),
            Err(_) => assert_eq!(soft, "unlimited"),
        }
        assert!(fitting_cap(10) <= 10);
    }
}

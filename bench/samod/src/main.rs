//! samod's side of the side-by-side benchmark (issue 16): samod, the Rust
//! port of automerge-repo on the same Automerge core as ours, with its
//! axum WebSocket sync server and its Tokio filesystem storage, on the
//! product's own records. `scripts/samod-bench.sh` runs it beside ours
//! (`cargo bench -p trygghetslogg-tests --bench peer`) and prints one
//! table.
//!
//! ```text
//! samod-bench server <port> <store-dir>           # the sync server
//! samod-bench client <port> <store-dir> <N> <M>   # N phones × M records; one JSON line
//! ```
//!
//! The client plays N phones (one `Repo` and one WebSocket each, through a
//! byte-counting proxy), each with M patrol visits written by
//! `shared::record::write_record` (the bytes ours sends), made offline
//! first; the clock starts when the first phone connects and stops when
//! every document is in the server's store and the store is flushed to
//! disk (samod writes files without fsync: one `sync -f` of the store, timed
//! in, is what makes them durable as ours are when acknowledged). Then one
//! fresh phone fetches them all, in batches of 100, retrying a document the
//! server answers unavailable.
//!
//! `SAMOD_CONCURRENT=1` connects every phone at once; by default they
//! connect one after another, each going away once its M records are
//! stored, samod's best case: with many phones connected its hub's work
//! grows with connections × documents (a first version kept every phone
//! connected and took over 15 minutes for 4,500 of 10,000 records).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use automerge::transaction::CommitOptions;
use automerge::AutoCommit;
use samod::{BackoffConfig, DocumentId, Repo, ShareConfig};
use shared::domain::PatrolVisit;
use shared::record::{write_record, Record};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["server", port, dir] => server(port.parse()?, Path::new(dir)).await,
        ["client", port, dir, n, m] => {
            client(port.parse()?, Path::new(dir), n.parse()?, m.parse()?).await
        }
        _ => bail!("usage: samod-bench server <port> <dir> | client <port> <dir> <N> <M>"),
    }
}

/// samod's sync server as its own docs set it up: a Repo with the Tokio
/// filesystem storage and the axum WebSocket acceptor. Like
/// automerge-repo's reference server it keeps what it is sent and serves
/// what it is asked for, announcing nothing.
async fn server(port: u16, dir: &Path) -> Result<()> {
    let repo = Repo::build_tokio()
        .with_peer_id("sync-server".into())
        .with_storage(samod::storage::TokioFilesystemStorage::new(dir))
        .with_share_policy(ShareConfig::read_write().with_announce(false))
        .load()
        .await;
    let url: url::Url = format!("ws://127.0.0.1:{port}/").parse()?;
    let acceptor = repo
        .make_acceptor(url)
        .map_err(|_| anyhow!("the repo stopped"))?;
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move |upgrade: axum::extract::ws::WebSocketUpgrade| {
            let acceptor = acceptor.clone();
            async move {
                upgrade.on_upgrade(move |socket| async move {
                    // A connection the repo will not take (it is stopping)
                    // is dropped; the phone's dialer retries.
                    let _ = acceptor.accept_axum(socket, None);
                })
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening");
    axum::serve(listener, app).await?;
    Ok(())
}

/// One phone's records as Automerge documents: the same patrol visit the
/// product's phones write, one change each.
fn records(phone: usize, m: usize) -> Result<Vec<automerge::Automerge>> {
    let hotspot = uuid::Uuid::new_v4();
    let initiative = uuid::Uuid::new_v4();
    let day_ago = 1_767_000_000_000 + phone as i64 * 10_000_000;
    (0..m)
        .map(|i| {
            // 20 minutes apart, as ours (validation refuses overlaps).
            let mut v = PatrolVisit::new(hotspot, initiative, day_ago + i as i64 * 20 * 60_000);
            v.ended_at = Some(v.started_at + 12 * 60_000);
            v.contacts.increment(1);
            v.notes.update("Lugnt vid busshållplatsen, en kontakt.");
            let mut doc = AutoCommit::new();
            write_record(&mut doc, &Record::PatrolVisit(v))?;
            doc.commit_with(CommitOptions::default().with_time(day_ago / 1000));
            Ok(automerge::Automerge::load(&doc.save())?)
        })
        .collect()
}

/// Documents in the server's store: samod's filesystem layout is
/// `<dir>/<first two>/<rest of the id>/<kind>/<hash>`; a document counts
/// once a non-empty file of it is there.
fn stored(dir: &Path) -> usize {
    fn non_empty_file_below(p: &Path) -> bool {
        let Ok(entries) = std::fs::read_dir(p) else {
            return false;
        };
        entries.flatten().any(|e| {
            let path = e.path();
            match e.metadata() {
                Ok(m) if m.is_file() => m.len() > 0,
                Ok(m) if m.is_dir() => non_empty_file_below(&path),
                _ => false,
            }
        })
    }
    let mut n = 0;
    for a in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for b in std::fs::read_dir(a.path()).into_iter().flatten().flatten() {
            if non_empty_file_below(&b.path()) {
                n += 1;
            }
        }
    }
    n
}

async fn wait_stored(dir: &Path, want: usize, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    let mut last = (0, Instant::now());
    loop {
        let now = stored(dir);
        if now >= want {
            return Ok(());
        }
        if now != last.0 {
            last = (now, Instant::now());
        }
        if Instant::now() > deadline || last.1.elapsed() > Duration::from_secs(120) {
            bail!("{now} of {want} documents stored; gave up");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Makes everything in `dir` durable: `sync -f` (syncfs) on its file
/// system, the cheapest way to flush many files at once.
fn flush(dir: &Path) -> Result<()> {
    let ok = std::process::Command::new("sync")
        .arg("-f")
        .arg(dir)
        .status()
        .context("running sync -f")?
        .success();
    if !ok {
        bail!("sync -f failed");
    }
    Ok(())
}

async fn phone(name: String) -> Repo {
    Repo::build_tokio().with_peer_id(name.into()).load().await
}

async fn connect(repo: &Repo, url: &url::Url) -> Result<()> {
    let dialer = repo
        .dial_websocket(url.clone(), BackoffConfig::default())
        .map_err(|_| anyhow!("the repo stopped"))?;
    dialer
        .established()
        .await
        .map_err(|e| anyhow!("could not connect: {e:?}"))?;
    Ok(())
}

async fn client(port: u16, dir: &Path, n: usize, m: usize) -> Result<()> {
    let bytes = Arc::new(AtomicUsize::new(0));
    let proxy = counting_proxy(format!("127.0.0.1:{port}"), bytes.clone()).await?;
    let url: url::Url = format!("ws://127.0.0.1:{proxy}/").parse()?;
    let concurrent = std::env::var("SAMOD_CONCURRENT").is_ok_and(|v| v == "1");

    // Offline first: every phone's records are in its repo before it
    // connects, as ours are in the outbox before the first sync.
    let mut phones = Vec::with_capacity(n);
    let mut ids: Vec<DocumentId> = Vec::with_capacity(n * m);
    for p in 0..n {
        let repo = phone(format!("phone-{p}")).await;
        for doc in records(p, m)? {
            let h = repo
                .create(doc)
                .await
                .map_err(|_| anyhow!("the repo stopped"))?;
            ids.push(h.document_id().clone());
        }
        phones.push(repo);
    }

    let t0 = Instant::now();
    if concurrent {
        let mut dials = Vec::new();
        for repo in &phones {
            dials.push(connect(repo, &url));
        }
        for d in futures::future::join_all(dials).await {
            d?;
        }
        wait_stored(dir, n * m, Duration::from_secs(3600)).await?;
    } else {
        // One phone at a time, as phones come into coverage: each connects,
        // pushes, and goes away (its repo stopped) once its records are
        // stored. Phones left connected made every later one slower.
        for (p, repo) in phones.iter().enumerate() {
            connect(repo, &url).await?;
            wait_stored(dir, (p + 1) * m, Duration::from_secs(3600)).await?;
            repo.stop().await;
        }
    }
    flush(dir)?;
    let pushed = t0.elapsed();
    let push_bytes = bytes.load(Ordering::Relaxed);
    // Printed at once (stderr), so a failure while fetching keeps these.
    eprintln!("{{\"pushed_ms\":{:.1},\"push_bytes\":{push_bytes}}}", ms(pushed));

    let fresh = phone("fresh".into()).await;
    connect(&fresh, &url).await?;
    let t1 = Instant::now();
    let mut retries = 0usize;
    for batch in ids.chunks(100) {
        let finds = batch.iter().map(|id| find(&fresh, id.clone()));
        for r in futures::future::join_all(finds).await {
            retries += r?;
        }
    }
    let fetched = t1.elapsed();
    let fetch_bytes = bytes.load(Ordering::Relaxed) - push_bytes;
    println!(
        "{{\"pushed_ms\":{:.1},\"push_bytes\":{push_bytes},\"fetch_ms\":{:.1},\"fetch_bytes\":{fetch_bytes},\"fetch_retries\":{retries},\"concurrent\":{concurrent}}}",
        ms(pushed),
        ms(fetched)
    );
    // In the sequential run each phone was stopped once stored (stopping
    // a repo twice waits for ever).
    if concurrent {
        for repo in &phones {
            repo.stop().await;
        }
    }
    fresh.stop().await;
    Ok(())
}

/// Finds one document, asking again while the server answers unavailable
/// (it may not have looked it up yet); returns how many times it asked
/// again.
async fn find(repo: &Repo, id: DocumentId) -> Result<usize> {
    for attempt in 0..200 {
        match repo.find(id.clone()).await {
            Ok(Some(_)) => return Ok(attempt),
            Ok(None) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(_) => bail!("the repo stopped"),
        }
    }
    bail!("document {id} still unavailable after 200 attempts")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Forwards TCP connections to `target`, counting the bytes both ways as
/// they pass (connections stay open, so counting at close would miss
/// them). The same proxy as ours in `tests/benches/peer.rs`; this crate is
/// outside the workspace and cannot import it.
async fn counting_proxy(target: String, bytes: Arc<AtomicUsize>) -> Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let (target, bytes) = (target.clone(), bytes.clone());
            tokio::spawn(async move {
                let Ok(outbound) = tokio::net::TcpStream::connect(&target).await else {
                    return;
                };
                let (ri, wi) = inbound.into_split();
                let (ro, wo) = outbound.into_split();
                let _ = tokio::join!(pump(ri, wo, bytes.clone()), pump(ro, wi, bytes));
            });
        }
    });
    Ok(port)
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    bytes: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return to.shutdown().await;
        }
        bytes.fetch_add(n, Ordering::Relaxed);
        to.write_all(&buf[..n]).await?;
    }
}

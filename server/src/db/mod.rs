//! The server's durable store: one SQLite file in the data directory, in
//! WAL mode with `synchronous=FULL`, so that a commit has reached the disk
//! before anyone is told it happened.
//!
//! All writes go through one writer thread ([`Db::write`]) that runs queued
//! jobs in one transaction, each in its own savepoint, and commits once per
//! batch (group commit): fifty devices syncing at once cost one fsync, not
//! fifty, and a job that fails is rolled back alone. A job's result is
//! handed back only after the commit, so an acknowledgement always means
//! "on disk". Reads use separate connections ([`Db::read`]); both kinds of
//! work run off the async runtime.

pub mod accounts;
pub mod backup;
pub mod coordinators;
pub mod copy;
pub mod documents;
pub mod erasure;
pub mod follow_up;
pub mod held;
pub mod identity;
pub mod ingest;
pub mod municipalities;
pub mod outgoing;
pub mod postgres_tls;
pub mod projection;
pub mod publication;
pub mod push_store;
pub mod quarantine;
pub mod redaction;
pub mod reference;
pub mod retention;
pub mod review;
pub mod schema;
pub mod security_log;
pub mod sql;
pub mod venue_list;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use tokio::sync::oneshot;

use crate::error::Error;
pub use sql::Connection;

/// Most jobs committed together.
const MAX_BATCH: usize = 64;

type Finish = Box<dyn FnOnce(Result<(), Error>) + Send>;
/// A queued write. It is handed the connection, or the reason it cannot
/// run (the transaction could not be opened), and returns whether it
/// succeeded and how to answer its caller once the commit's outcome is known.
type Job = Box<dyn FnOnce(Result<&Connection, Error>) -> (bool, Finish) + Send>;

/// Where the store is.
#[derive(Clone)]
pub enum Location {
    /// The SQLite file of a data directory (`db_path`), with the erasure
    /// ledger beside it.
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://...`); the ledger is its schema
    /// `ledger`.
    Postgres(String),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "SQLite at {}", p.display()),
            // The address may carry a password: never printed.
            Location::Postgres(_) => f.write_str("PostgreSQL"),
        }
    }
}

impl Location {
    /// The PostgreSQL database at `url`, which must be a `postgres://`
    /// (or `postgresql://`) address.
    pub fn postgres(url: &str) -> Result<Location, Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Location::Postgres(url.to_owned()))
        } else {
            // The address may hold a password: not repeated.
            Err(Error::bad_input(
                "a PostgreSQL database is named by a postgres:// address",
            ))
        }
    }

    /// A new connection for reading and writing.
    pub fn connect(&self) -> Result<Connection, Error> {
        match self {
            Location::Sqlite(path) => open_connection(path),
            Location::Postgres(url) => Connection::postgres(url),
        }
    }

    /// A new connection that reads only.
    fn connect_reader(&self) -> Result<Connection, Error> {
        match self {
            Location::Sqlite(path) => {
                let c = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                let c = Connection::from(c);
                attach_ledger(&c, path)?;
                Ok(c)
            }
            Location::Postgres(url) => {
                let c = Connection::postgres(url)?;
                c.execute_batch("SET default_transaction_read_only = on")?;
                Ok(c)
            }
        }
    }

    /// The erasure ledger's own connection (`erasure`).
    fn connect_ledger(&self) -> Result<Connection, Error> {
        match self {
            Location::Sqlite(path) => erasure::open_ledger(&ledger_path(path)),
            Location::Postgres(url) => {
                let c = Connection::postgres(url)?;
                schema::postgres_ledger(&c)?;
                // Its tables by their own names, as in the ledger's file.
                c.execute_batch("SET search_path = ledger")?;
                redaction::forget_erased(&c)?;
                Ok(c)
            }
        }
    }
}

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    location: Location,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    /// The erasure ledger's own connection: an erasure is committed here
    /// before the store is touched (`erasure`).
    ledger: Mutex<Connection>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    /// Writes submitted and not yet run: the writer's queue (`/metrics`).
    queued: Arc<std::sync::atomic::AtomicUsize>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("location", &self.inner.location)
            .finish()
    }
}

/// The database file inside a data directory.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("trygghetslogg.sqlite3")
}

/// The erasure ledger beside the store at `path`.
pub fn ledger_path(path: &Path) -> PathBuf {
    path.with_file_name(erasure::LEDGER_FILE)
}

pub(crate) fn open_connection(path: &Path) -> Result<Connection, Error> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // secure_delete: a page freed by a delete is zeroed, so an erased
    // record's bytes do not linger in the file's free pages.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;",
    )?;
    let conn = Connection::from(conn);
    attach_ledger(&conn, path)?;
    Ok(conn)
}

/// Every connection reads the erasure ledger as `ledger`; only the
/// ledger's own connection (`Db::record_erasure`) writes it.
fn attach_ledger(conn: &Connection, path: &Path) -> Result<(), Error> {
    let ledger = ledger_path(path);
    conn.execute(
        "ATTACH DATABASE ?1 AS ledger",
        [ledger.to_string_lossy().as_ref()],
    )?;
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the SQLite store in `data_dir` and
    /// brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Db, Error> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            Error::Unavailable(format!(
                "cannot create data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        Db::open_at(Location::Sqlite(db_path(data_dir)))
    }

    /// Opens the store at `location`, creating its tables if needed.
    pub fn open_at(location: Location) -> Result<Db, Error> {
        match location {
            // The PostgreSQL client blocks on a runtime of its own, which
            // tokio refuses inside an async one.
            Location::Postgres(_) => sql::off_runtime(move || Db::open_here(location)),
            Location::Sqlite(_) => Db::open_here(location),
        }
    }

    fn open_here(location: Location) -> Result<Db, Error> {
        // The ledger first: every SQLite connection attaches it.
        let ledger = location.connect_ledger()?;
        let conn = location.connect()?;
        schema::migrate(&conn)?;
        // A store restored from a backup older than an erasure (or left
        // by a crash between the ledger's commit and its own) carries the
        // erasure out before anything is answered.
        // Likewise a redaction: its epoch is installed again from the
        // ledger's base, so the phones holding it build on the same change.
        let (redone, reinstalled) = {
            let tx = conn.begin_write()?;
            let n = erasure::carry_out_pending(&tx)?;
            let r = redaction::carry_out_pending(
                &tx,
                crate::clock::Clock::now_ms(&crate::clock::SystemClock),
            )?;
            tx.commit()?;
            (n, r)
        };
        if redone > 0 || reinstalled > 0 {
            tracing::warn!(
                erasures = redone,
                redactions = reinstalled,
                "erasures and redactions from the ledger carried out again at open"
            );
            erasure::scrub(&conn)?;
        }
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("db-writer".into())
            .spawn({
                let location = location.clone();
                move || writer_loop(&location, conn, rx)
            })
            .map_err(Error::internal)?;
        Ok(Db {
            inner: Arc::new(Inner {
                location,
                writer: Mutex::new(Some(tx)),
                ledger: Mutex::new(ledger),
                thread: Mutex::new(Some(thread)),
                readers: Mutex::new(Vec::new()),
                queued: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            }),
        })
    }

    pub fn location(&self) -> &Location {
        &self.inner.location
    }

    /// The SQLite file, when the store is one.
    pub fn path(&self) -> Option<&Path> {
        match &self.inner.location {
            Location::Sqlite(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }

    /// How many writes wait for the writer now.
    pub fn queue_depth(&self) -> usize {
        self.inner.queued.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `f` in the writer's transaction and returns its result once the
    /// transaction is committed. If `f` fails, only its own work is undone.
    pub async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let rx = self.submit(f)?;
        rx.await
            .map_err(|_| Error::Unavailable("the store is shutting down".into()))?
    }

    /// The blocking twin of [`Db::write`], for the command line.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let rx = self.submit(f)?;
        rx.blocking_recv()
            .map_err(|_| Error::Unavailable("the store is shutting down".into()))?
    }

    fn submit<T, F>(&self, f: F) -> Result<oneshot::Receiver<Result<T, Error>>, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let queued = self.inner.queued.clone();
        queued.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let job: Job = Box::new(move |conn| {
            queued.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            let result = conn.and_then(f);
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |commit| {
                let outcome = match (result, commit) {
                    (Ok(v), Ok(())) => Ok(v),
                    (Ok(_), Err(e)) => Err(e),
                    (Err(e), _) => Err(e),
                };
                // The caller may have gone away (client disconnected); the
                // work is committed all the same, and the device will learn
                // of it on its next sync.
                let _ = tx.send(outcome);
            });
            (ok, finish)
        });
        let guard = self
            .inner
            .writer
            .lock()
            .map_err(|_| Error::internal("writer lock poisoned"))?;
        let closed = || {
            // Never to run: not in the queue.
            self.inner
                .queued
                .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            Error::Unavailable("the store is closed".into())
        };
        let Some(sender) = guard.as_ref() else {
            return Err(closed());
        };
        sender.send(job).map_err(|_| closed())?;
        Ok(rx)
    }

    /// Runs a read-only `f` on a reader connection, off the async runtime.
    pub async fn read<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .map_err(Error::internal)?
    }

    pub fn read_blocking<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&Connection) -> Result<T, Error>,
    {
        let pooled = self
            .inner
            .readers
            .lock()
            .map_err(|_| Error::internal("reader lock poisoned"))?
            .pop();
        let conn = match pooled {
            Some(c) => c,
            None => self.inner.location.connect_reader()?,
        };
        let result = f(&conn);
        if let Ok(mut pool) = self.inner.readers.lock() {
            if pool.len() < 8 && !conn.is_closed() {
                pool.push(conn);
            }
        }
        result
    }

    /// Erases a record: the ledger first (committed on its own), then the
    /// store, then the freed bytes scrubbed. `also` runs in the store's
    /// transaction (the access log's row). Returns the ledger position.
    pub async fn erase<F>(&self, e: erasure::Erasure, also: F) -> Result<u64, Error>
    where
        F: FnOnce(&Connection) -> Result<(), Error> + Send + 'static,
    {
        let seq = self.record_erasures(vec![e.clone()]).await?;
        self.write(move |c| {
            erasure::carry_out(c, &e)?;
            also(c)
        })
        .await?;
        self.scrub().await?;
        Ok(seq)
    }

    /// Redacts `paths` of a record: the new epoch's base is built from the
    /// record's current state in the writer, written to the ledger and
    /// committed there (its own connection: the writer's transaction
    /// holds the attached ledger), then installed in the store, if no
    /// change of the record was accepted in between; else built again.
    /// `also` runs in the store's transaction (the access log). Returns the
    /// new epoch.
    #[allow(clippy::too_many_arguments)]
    pub async fn redact<F>(
        &self,
        id: shared::DocId,
        paths: Vec<String>,
        reason: shared::redaction::RedactionReason,
        case_number: Option<String>,
        by: String,
        now: shared::domain::Millis,
        also: F,
    ) -> Result<u32, Error>
    where
        F: FnOnce(&Connection) -> Result<(), Error> + Send + 'static,
    {
        let mut also = Some(also);
        for _ in 0..8 {
            let (paths, case_number, by) = (paths.clone(), case_number.clone(), by.clone());
            let (r, last_seq) = self
                .read(move |c| {
                    let stored = documents::stored(c, id)?.ok_or(Error::NotFound)?;
                    if erasure::is_erased(c, id)? {
                        return Err(Error::NotFound);
                    }
                    let (current, _) = redaction::epoch_of(c, id)?;
                    let epoch = current + 1;
                    let doc = documents::load(c, id)?;
                    let base = shared::redaction::new_epoch(&doc, &paths)
                        .map_err(|e| Error::Internal(format!("building the new epoch: {e}")))?;
                    let r = redaction::Redaction {
                        doc_id: id,
                        epoch,
                        kind: stored.state.kind,
                        owner: stored.state.owner,
                        paths,
                        reason,
                        case_number,
                        redacted_by: by,
                        redacted_at: now,
                        base,
                    };
                    Ok((r, redaction::last_seq(c, id)?))
                })
                .await?;
            let entry = r.clone();
            self.in_ledger(move |tx| redaction::record(tx, &entry))
                .await?;
            let epoch = r.epoch;
            let pending_also = also.take();
            let (installed, back) = self
                .write(move |c| {
                    // Built from exactly what the store now holds?
                    if redaction::last_seq(c, id)? != last_seq
                        || redaction::epoch_of(c, id)?.0 + 1 != epoch
                    {
                        return Ok((false, pending_also));
                    }
                    redaction::install(c, &r, now)?;
                    if let Some(f) = pending_also {
                        f(c)?;
                    }
                    Ok((true, None))
                })
                .await?;
            if installed {
                self.scrub().await?;
                return Ok(epoch);
            }
            also = back;
        }
        Err(Error::Unavailable(
            "the record changed while it was being redacted; try again".into(),
        ))
    }

    /// Writes erasures to the ledger, committed together; returns the last
    /// position.
    pub async fn record_erasures(&self, es: Vec<erasure::Erasure>) -> Result<u64, Error> {
        self.in_ledger(move |tx| {
            let mut last = 0;
            for e in &es {
                last = erasure::record(tx, e)?;
            }
            Ok(last)
        })
        .await
    }

    /// Runs `f` in one transaction of the ledger's own connection and
    /// commits it (fsynced) before returning.
    async fn in_ledger<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut ledger = db
                .inner
                .ledger
                .lock()
                .map_err(|_| Error::internal("ledger lock poisoned"))?;
            if ledger.is_closed() {
                // PostgreSQL went away and came back: a new connection.
                *ledger = db.inner.location.connect_ledger()?;
            }
            // The ledger's positions are cursors too (`erasure::since`):
            // written under the log's lock, as the store's are.
            let tx = ledger.begin_write()?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(Error::internal)?
    }

    /// Checkpoints and truncates the WAL and frees pages, outside the
    /// writer's transaction (`erasure::scrub`).
    pub async fn scrub(&self) -> Result<(), Error> {
        // PostgreSQL frees pages with its own VACUUM: nothing to connect for.
        if let Location::Postgres(_) = self.inner.location {
            return Ok(());
        }
        let location = self.inner.location.clone();
        tokio::task::spawn_blocking(move || erasure::scrub(&location.connect()?))
            .await
            .map_err(Error::internal)?
    }

    /// Runs `job` unless another instance on the same database runs the
    /// job of the same `key` right now; `None` when it was skipped. The
    /// lock is PostgreSQL's session advisory lock, held on a connection of
    /// its own for as long as the job runs (and gone with the connection
    /// if the instance dies); SQLite has one instance, which always runs
    /// it. The jobs (retention, publication) also check whether they are
    /// due, so an instance that comes just after the first skips them.
    pub async fn run_once<T, Fut>(
        &self,
        key: i64,
        job: impl FnOnce() -> Fut,
    ) -> Result<Option<T>, Error>
    where
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let held = match &self.inner.location {
            Location::Sqlite(_) => None,
            Location::Postgres(_) => {
                let location = self.inner.location.clone();
                let lock =
                    tokio::task::spawn_blocking(move || -> Result<Option<Connection>, Error> {
                        let c = location.connect()?;
                        let got: bool = c.query_row(
                            "SELECT pg_try_advisory_lock(?1)",
                            [sql::JOB_LOCKS + key],
                            |r| r.get(0),
                        )?;
                        Ok(got.then_some(c))
                    })
                    .await
                    .map_err(Error::internal)??;
                match lock {
                    Some(c) => Some(c),
                    None => return Ok(None),
                }
            }
        };
        let out = job().await;
        if let Some(c) = held {
            // Closing the session releases the lock.
            let _ = tokio::task::spawn_blocking(move || drop(c)).await;
        }
        out.map(Some)
    }

    /// Stops the writer after the jobs already queued, and waits for it.
    pub fn close(&self) {
        if let Ok(mut w) = self.inner.writer.lock() {
            w.take();
        }
        if let Ok(mut t) = self.inner.thread.lock() {
            if let Some(handle) = t.take() {
                let _ = handle.join();
            }
        }
    }
}

fn writer_loop(location: &Location, mut conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if run_batch(&conn, batch) {
            // After a full disk or an IO error SQLite can leave the
            // connection refusing writes ("readonly database") even once
            // space is back; a fresh connection starts clean. If opening
            // fails too, the old one is kept and the next batch tries again.
            match location.connect() {
                Ok(fresh) => conn = fresh,
                Err(e) => tracing::warn!(error = %e, "could not reopen the database"),
            }
        }
    }
}

/// Runs one batch in one transaction; true when the storage failed (the
/// transaction could not begin, was rolled back by SQLite, or could not
/// commit).
fn run_batch(conn: &Connection, batch: Vec<Job>) -> bool {
    if let Err(err) = conn.begin_writing() {
        for job in batch {
            let (_, finish) = job(Err(err.clone()));
            finish(Err(err.clone()));
        }
        return true;
    }
    let mut finishers: Vec<(Finish, Option<Error>)> = Vec::with_capacity(batch.len());
    // Set when SQLite itself rolled the whole transaction back (it does so
    // on a full disk or an IO error): every job of the batch then fails,
    // and no later job may run outside the transaction.
    let mut aborted: Option<Error> = None;
    for job in batch {
        if let Some(err) = &aborted {
            finishers.push((job(Err(err.clone())).1, None));
            continue;
        }
        if let Err(err) = conn.savepoint() {
            finishers.push((job(Err(err)).1, None));
            continue;
        }
        let (ok, finish) = job(Ok(conn));
        if conn.transaction_lost() {
            finishers.push((finish, None));
            aborted = Some(Error::Unavailable(
                "the server could not write its data; nothing was stored, retry later".into(),
            ));
            continue;
        }
        // A job whose statement failed where it did not look (a pipelined
        // write, a lookup read as "unknown") is undone and told so.
        match conn.release_savepoint(ok) {
            Ok(()) => finishers.push((finish, None)),
            Err(e) if ok => {
                tracing::warn!(error = %e, "a job's write failed; its work was undone");
                finishers.push((finish, Some(e)));
            }
            Err(e) => {
                tracing::error!(error = %e, "savepoint could not be closed");
                finishers.push((finish, None));
            }
        }
    }
    let commit = match aborted {
        Some(err) => Err(err),
        None => conn.commit(),
    };
    if commit.is_err() && !conn.transaction_lost() {
        let _ = conn.rollback();
    }
    let failed = commit.is_err();
    for (finish, undone) in finishers {
        finish(match undone {
            Some(e) => Err(e),
            None => commit.clone(),
        });
    }
    failed
}

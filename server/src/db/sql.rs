//! The storage seam: one connection type over SQLite (`rusqlite`, the
//! embedded default) and PostgreSQL (`tokio-postgres`, driven from the
//! calling thread, for a service past one machine). Every `db` module is
//! written against [`Connection`], [`Statement`] and [`Row`] here and
//! never knows which database it talks to.
//!
//! Why a hand-written seam and not `sqlx`'s `Any` driver: the store runs
//! on blocking threads (one writer with group commit, a pool of readers;
//! see `db`), and its 4,000 lines of SQLite code were written against
//! rusqlite's synchronous API, which this module mirrors method for
//! method. `sqlx` is async only, and would have turned every store
//! function and every caller into futures. The PostgreSQL side uses
//! `tokio-postgres` on a one-thread runtime of the connection's own,
//! blocked on by the calling thread (as sfackler's synchronous `postgres`
//! wrapper does, but that wrapper hides the one thing the writer needs:
//! pipelining, see [`Connection::execute_pipelined`]). Its
//! pool is the same small pool the SQLite readers use, so
//! `deadpool-postgres` (async) is not needed.
//!
//! The SQL is one dialect, the common part of both: `?1` parameters
//! (rewritten to `$1` for PostgreSQL), `INSERT ... ON CONFLICT`, `CAST(...
//! AS BIGINT)` around sums, `length()` on blobs, the `ledger.` schema. What
//! cannot be common (creating tables, `PRAGMA`s, freeing pages) asks
//! [`Connection::is_postgres`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use crate::error::Error;

/// One value of a cell or a parameter: SQLite's five storage classes,
/// which PostgreSQL's types used here map onto.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A Rust value that can be a parameter.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

/// A Rust value that a cell can be read into.
pub trait FromValue: Sized {
    fn from_value(v: Value) -> Result<Self, Error>;
}

fn wrong(want: &str, v: &Value) -> Error {
    Error::Internal(format!("a {want} was expected, the database gave {v:?}"))
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Integer(*self as i64)
            }
        }
        impl FromValue for $t {
            fn from_value(v: Value) -> Result<Self, Error> {
                match v {
                    Value::Integer(i) => <$t>::try_from(i).map_err(|_| {
                        Error::Internal(format!("{i} is out of range for {}", stringify!($t)))
                    }),
                    other => Err(wrong(stringify!($t), &other)),
                }
            }
        }
    )*};
}
integer!(i64, i32, u32, u16, u8, usize);

impl ToValue for u64 {
    fn to_value(&self) -> Value {
        // Positions and sizes; never above i64::MAX in this store.
        Value::Integer(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}
impl FromValue for u64 {
    fn from_value(v: Value) -> Result<Self, Error> {
        match v {
            Value::Integer(i) => u64::try_from(i).map_err(|_| wrong("u64", &Value::Integer(i))),
            other => Err(wrong("u64", &other)),
        }
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}
impl FromValue for bool {
    fn from_value(v: Value) -> Result<Self, Error> {
        match v {
            Value::Integer(i) => Ok(i != 0),
            other => Err(wrong("bool", &other)),
        }
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl FromValue for f64 {
    fn from_value(v: Value) -> Result<Self, Error> {
        match v {
            Value::Real(f) => Ok(f),
            Value::Integer(i) => Ok(i as f64),
            other => Err(wrong("f64", &other)),
        }
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl FromValue for String {
    fn from_value(v: Value) -> Result<Self, Error> {
        match v {
            Value::Text(s) => Ok(s),
            other => Err(wrong("text", &other)),
        }
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl<const N: usize> ToValue for [u8; N] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: Value) -> Result<Self, Error> {
        match v {
            Value::Blob(b) => Ok(b),
            other => Err(wrong("blob", &other)),
        }
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl FromValue for Value {
    fn from_value(v: Value) -> Result<Self, Error> {
        Ok(v)
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> Result<Self, Error> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

/// A statement's parameters, as rusqlite takes them: `[]`, `[a, b]`,
/// `params![a, b]`, `(a, b)`.
pub trait Params {
    fn values(&self) -> Vec<Value>;
}

impl Params for [&(dyn ToValue + Send + Sync); 0] {
    fn values(&self) -> Vec<Value> {
        Vec::new()
    }
}
impl Params for &[&dyn ToValue] {
    fn values(&self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
impl Params for () {
    fn values(&self) -> Vec<Value> {
        Vec::new()
    }
}
macro_rules! arrays {
    ($($n:literal),*) => {$(
        impl<T: ToValue> Params for [T; $n] {
            fn values(&self) -> Vec<Value> {
                self.iter().map(|v| v.to_value()).collect()
            }
        }
        impl<T: ToValue + ?Sized> Params for &[&T; $n] {
            fn values(&self) -> Vec<Value> {
                self.iter().map(|v| v.to_value()).collect()
            }
        }
    )*};
}
arrays!(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
macro_rules! tuples {
    ($(($($t:ident $i:tt),*)),*) => {$(
        impl<$($t: ToValue),*> Params for ($($t,)*) {
            fn values(&self) -> Vec<Value> {
                vec![$(self.$i.to_value()),*]
            }
        }
    )*};
}
tuples!((A 0), (A 0, B 1), (A 0, B 1, C 2), (A 0, B 1, C 2, D 3));

/// Parameters of any kinds in one list, as `rusqlite::params!`.
#[macro_export]
macro_rules! sql_params {
    () => {
        &[] as &[&dyn $crate::db::sql::ToValue]
    };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::db::sql::ToValue),+] as &[&dyn $crate::db::sql::ToValue]
    };
}
pub use crate::sql_params as params;

/// A row's values as parameters (`db::copy`).
impl Params for Vec<Value> {
    fn values(&self) -> Vec<Value> {
        self.clone()
    }
}

/// One row of a result.
pub struct Row {
    cells: Vec<Value>,
    names: std::rc::Rc<Vec<String>>,
}

/// A column by position or by name.
pub trait ColumnIndex {
    fn index(&self, row: &Row) -> Result<usize, Error>;
}
impl ColumnIndex for usize {
    fn index(&self, row: &Row) -> Result<usize, Error> {
        if *self < row.cells.len() {
            Ok(*self)
        } else {
            Err(Error::Internal(format!("no column {self}")))
        }
    }
}
impl ColumnIndex for &str {
    fn index(&self, row: &Row) -> Result<usize, Error> {
        row.names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(self))
            .ok_or_else(|| Error::Internal(format!("no column {self}")))
    }
}

impl Row {
    pub fn get<I: ColumnIndex, T: FromValue>(&self, idx: I) -> Result<T, Error> {
        let i = idx.index(self)?;
        T::from_value(self.cells[i].clone())
    }
    pub fn len(&self) -> usize {
        self.cells.len()
    }
    /// The name of column `i`.
    pub fn name(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// `.optional()` on a query for one row, as rusqlite's.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>, Error>;
}
impl<T> OptionalExtension<T> for Result<T, Error> {
    fn optional(self) -> Result<Option<T>, Error> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A connection to the store.
pub enum Connection {
    Sqlite(rusqlite::Connection),
    /// Boxed: the client is several times the size of a SQLite handle.
    Postgres(Box<Postgres>),
}

/// The PostgreSQL advisory lock that every writing transaction holds
/// (`pg_advisory_xact_lock`, released at commit or rollback).
///
/// Why: the change log's position (`changes.seq`) is the phones' cursor,
/// and a reader that has seen position 11 never asks for anything at or
/// below 11 again. PostgreSQL hands out sequence values when rows are
/// inserted, not when they commit; with two instances writing at once,
/// position 10 could commit after 11 became visible, and a phone that
/// synced in between would skip 10 for ever (the sequence-gap bug).
/// Holding one lock from the first statement to the commit makes the
/// writers of every instance commit in the order they take positions.
/// The cost is that only one instance writes at a time; each writes a
/// whole batch of syncs per commit (`db::run_batch`), so that is cheap.
/// `tests/tests/postgres.rs` shows the gap with the lock switched off.
pub const LOG_LOCK: i64 = 0x7472_7967_6c6f_6701;

/// The first of the run-once jobs' locks (`Db::run_once`).
pub const JOB_LOCKS: i64 = 0x7472_7967_6c6f_6800;

/// Whether writers take [`LOG_LOCK`]. Only the test that shows why it is
/// needed switches it off.
pub static SERIALISE_LOG_APPENDS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(true);

/// A PostgreSQL connection, its prepared statements, and the writes sent
/// but not yet answered.
pub struct Postgres {
    /// Always there but while being dropped ([`Postgres::drop`]).
    link: Option<PgLink>,
    prepared: RefCell<HashMap<String, tokio_postgres::Statement>>,
    /// Pipelined writes ([`Connection::execute_pipelined`]) in the order
    /// they were sent, each already in the connection's queue.
    pending: RefCell<Vec<PendingWrite>>,
    /// The first statement that failed since the transaction or savepoint
    /// began: PostgreSQL has aborted the transaction then, and a `COMMIT`
    /// would roll it back without an error, so [`Connection::commit`] and
    /// [`Connection::release_savepoint`] report this instead.
    failed: RefCell<Option<Error>>,
    /// Whether a transaction is open (begun here, not yet ended here).
    in_transaction: std::cell::Cell<bool>,
    /// Statements whose parameters PostgreSQL cannot type by itself.
    needs_types: RefCell<std::collections::HashSet<String>>,
    /// [`Connection::remember`]'s values.
    remembered: RefCell<HashMap<&'static str, Vec<u8>>>,
    /// Rows this connection has written, and the count at which its cached
    /// plans are next dropped ([`Connection::replan_if_grown`]).
    rows_written: std::cell::Cell<u64>,
    replan_at: std::cell::Cell<u64>,
}

/// The rows a connection writes before its cached plans are first dropped;
/// the count doubles after each time ([`Connection::replan_if_grown`]).
const FIRST_REPLAN: u64 = 1_000;

/// The client and the runtime its connection task runs on (one thread of
/// its own); calls block on the runtime from the caller's thread.
struct PgLink {
    runtime: tokio::runtime::Runtime,
    client: Arc<tokio_postgres::Client>,
}

type PendingWrite = Pin<Box<dyn Future<Output = Result<u64, tokio_postgres::Error>> + Send>>;

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_postgres() {
            "Connection(PostgreSQL)"
        } else {
            "Connection(SQLite)"
        })
    }
}

impl From<rusqlite::Connection> for Connection {
    fn from(c: rusqlite::Connection) -> Self {
        Connection::Sqlite(c)
    }
}

impl Connection {
    /// Connects to PostgreSQL at `url` (`postgres://user@host/db`; TLS as
    /// `db::postgres_tls` reads it).
    pub fn postgres(url: &str) -> Result<Connection, Error> {
        let target = super::postgres_tls::target(url)?;
        let connect = || -> Result<PgLink, Error> {
            // The connection task on a thread of its own: pipelined writes
            // go out (and PostgreSQL works on them) while the caller goes on
            // computing, not only when it next waits.
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("postgres-io")
                .enable_all()
                .build()
                .map_err(Error::internal)?;
            let ended = |e: tokio_postgres::Error| {
                tracing::warn!(error = %e, "the connection to PostgreSQL ended");
            };
            let client = match target.tls {
                Some(tls) => {
                    let (client, connection) = runtime.block_on(target.config.connect(tls))?;
                    runtime.spawn(async move { connection.await.map_err(ended) });
                    client
                }
                None => {
                    let (client, connection) =
                        runtime.block_on(target.config.connect(tokio_postgres::NoTls))?;
                    runtime.spawn(async move { connection.await.map_err(ended) });
                    client
                }
            };
            // Notices ("already exists, skipping") are not the server's news.
            runtime.block_on(client.batch_execute("SET client_min_messages = warning"))?;
            Ok(PgLink {
                runtime,
                client: Arc::new(client),
            })
        };
        let link = off_runtime(connect)?;
        Ok(Connection::Postgres(Box::new(Postgres {
            link: Some(link),
            prepared: RefCell::new(HashMap::new()),
            pending: RefCell::new(Vec::new()),
            failed: RefCell::new(None),
            in_transaction: std::cell::Cell::new(false),
            needs_types: RefCell::new(std::collections::HashSet::new()),
            remembered: RefCell::new(HashMap::new()),
            rows_written: std::cell::Cell::new(0),
            replan_at: std::cell::Cell::new(FIRST_REPLAN),
        })))
    }

    /// A new SQLite database in memory (unit tests).
    pub fn open_in_memory() -> Result<Connection, Error> {
        Ok(Connection::Sqlite(rusqlite::Connection::open_in_memory()?))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Connection::Postgres(_))
    }

    /// The SQLite connection, for what only SQLite has (backup, pragmas).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Connection::Sqlite(c) => Some(c),
            Connection::Postgres(_) => None,
        }
    }

    /// Runs statements without parameters, separated by `;`.
    pub fn execute_batch(&self, sql: &str) -> Result<(), Error> {
        match self {
            Connection::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Connection::Postgres(p) => {
                let c = p.client()?;
                p.run(c.batch_execute(sql))
            }
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize, Error> {
        let values = params.values();
        match self {
            Connection::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(values.iter().map(SqliteValue)))?)
            }
            Connection::Postgres(p) => {
                let stmt = p.prepare(sql, &values)?;
                let args = pg_args(&values);
                let c = p.client()?;
                let n = p.run(c.execute(&stmt, &pg_refs(&args)))?;
                p.wrote(n);
                Ok(n as usize)
            }
        }
    }

    /// Runs a write whose row count nobody needs. On PostgreSQL it is sent
    /// without waiting for its answer: the next statement goes out behind
    /// it and one round trip answers both (pipelining; a sync's dozens of
    /// inserts cost one wait instead of dozens). Its error, if any, is the
    /// next statement's, and like any failed statement it aborts the
    /// transaction, so the job it belongs to is rolled back
    /// ([`Connection::release_savepoint`]). On SQLite it runs at once.
    pub fn execute_pipelined<P: Params>(&self, sql: &str, params: P) -> Result<(), Error> {
        let values = params.values();
        match self {
            Connection::Sqlite(_) => self.execute(sql, values).map(|_| ()),
            Connection::Postgres(p) => {
                let stmt = p.prepare(sql, &values)?;
                p.send(stmt, pg_args(&values))
            }
        }
    }

    /// The rows of a query.
    fn rows(&self, sql: &str, values: &[Value]) -> Result<Vec<Row>, Error> {
        self.rows_up_to(sql, values, usize::MAX)
    }

    /// At most `limit` rows of a query (SQLite stops reading there).
    fn rows_up_to(&self, sql: &str, values: &[Value], limit: usize) -> Result<Vec<Row>, Error> {
        match self {
            Connection::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
                let names = std::rc::Rc::new(names);
                let n = names.len();
                let mut rows =
                    stmt.query(rusqlite::params_from_iter(values.iter().map(SqliteValue)))?;
                let mut out = Vec::new();
                while out.len() < limit {
                    let Some(r) = rows.next()? else { break };
                    let mut cells = Vec::with_capacity(n);
                    for i in 0..n {
                        cells.push(from_sqlite(r.get_ref(i)?));
                    }
                    out.push(Row {
                        cells,
                        names: names.clone(),
                    });
                }
                Ok(out)
            }
            Connection::Postgres(p) => {
                let stmt = p.prepare(sql, values)?;
                let args = pg_args(values);
                let c = p.client()?;
                let rows = p.run(c.query(&stmt, &pg_refs(&args)))?;
                pg_rows(&stmt, rows)
            }
        }
    }

    /// The rows of several queries. On PostgreSQL they are sent together
    /// and one round trip answers them all; on SQLite they run one after
    /// another.
    pub fn query_many(&self, queries: &[(&str, Vec<Value>)]) -> Result<Vec<Vec<Row>>, Error> {
        match self {
            Connection::Sqlite(_) => queries
                .iter()
                .map(|(sql, values)| self.rows(sql, values))
                .collect(),
            Connection::Postgres(p) => {
                let mut prepared = Vec::with_capacity(queries.len());
                for (sql, values) in queries {
                    prepared.push((p.prepare(sql, values)?, pg_args(values)));
                }
                let c = p.client()?;
                // Every query is sent before any answer is awaited, and
                // every answer read, even past a failure.
                let answers = p.run(async {
                    Ok(futures_util::future::join_all(
                        prepared
                            .iter()
                            .map(|(stmt, args)| async { c.query(stmt, &pg_refs(args)).await }),
                    )
                    .await)
                })?;
                let mut out = Vec::with_capacity(answers.len());
                for ((stmt, _), rows) in prepared.iter().zip(answers) {
                    out.push(pg_rows(stmt, rows?)?);
                }
                Ok(out)
            }
        }
    }

    /// The first row of a query mapped by `f`; [`Error::NoRows`] if none.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T, Error>
    where
        P: Params,
        F: FnOnce(&Row) -> Result<T, Error>,
    {
        let rows = self.rows_up_to(sql, &params.values(), 1)?;
        match rows.first() {
            Some(r) => f(r),
            None => Err(Error::NoRows),
        }
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>, Error> {
        self.prepare_cached(sql)
    }

    /// A statement to run with parameters; both databases cache the
    /// prepared form by its text.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>, Error> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
        })
    }

    /// An SQL expression for 32 random bytes, new for every row.
    pub fn random_32_bytes(&self) -> &'static str {
        if self.is_postgres() {
            "sha256(convert_to(gen_random_uuid()::text || random()::text, 'UTF8'))"
        } else {
            "randomblob(32)"
        }
    }

    /// Whether the store has table `name` (an upgrade may run before the
    /// version that made it).
    pub fn has_table(&self, name: &str) -> Result<bool, Error> {
        let sql = if self.is_postgres() {
            "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ?1"
        } else {
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1"
        };
        self.prepare(sql)?.exists([name])
    }

    /// SQLite's `INSERT OR REPLACE` in the words both databases share: the
    /// row whose `key` column holds the first parameter goes, then
    /// `insert` (a plain `INSERT`, its key as `?1`) runs. Both pipelined
    /// ([`Connection::execute_pipelined`]).
    pub fn replace<P: Params>(
        &self,
        table: &str,
        key: &str,
        insert: &str,
        params: P,
    ) -> Result<(), Error> {
        let values = params.values();
        let first = values
            .first()
            .cloned()
            .ok_or_else(|| Error::internal("a replaced row needs its key"))?;
        // Table and column names are the callers' constants, never input.
        self.execute_pipelined(&format!("DELETE FROM {table} WHERE {key} = ?1"), [first])?;
        self.execute_pipelined(insert, values)
    }

    /// Begins a transaction that ends with [`Transaction::commit`], or is
    /// rolled back when dropped (rusqlite's `unchecked_transaction`).
    pub fn unchecked_transaction(&self) -> Result<Transaction<'_>, Error> {
        self.execute_batch("BEGIN")?;
        self.began();
        Ok(Transaction {
            conn: self,
            done: false,
        })
    }

    /// Begins a transaction that writes: SQLite takes its write lock at
    /// once (`BEGIN IMMEDIATE`); PostgreSQL takes the change log's lock
    /// ([`LOG_LOCK`]), so that writers on every instance commit one after
    /// another and a change's position in the log is never below one
    /// already visible (see [`LOG_LOCK`]). Ended by `COMMIT` or
    /// `ROLLBACK`.
    pub fn begin_writing(&self) -> Result<(), Error> {
        match self {
            Connection::Sqlite(c) => Ok(c.execute_batch("BEGIN IMMEDIATE")?),
            Connection::Postgres(p) => {
                self.replan_if_grown()?;
                let c = p.client()?;
                p.run(c.batch_execute("BEGIN"))?;
                self.began();
                if SERIALISE_LOG_APPENDS.load(std::sync::atomic::Ordering::Relaxed) {
                    p.run(c.execute("SELECT pg_advisory_xact_lock($1)", &[&LOG_LOCK]))?;
                }
                Ok(())
            }
        }
    }

    /// Commits the open transaction. On PostgreSQL, a transaction in which
    /// a statement failed is rolled back and that failure returned (a bare
    /// `COMMIT` would roll it back and say nothing).
    pub fn commit(&self) -> Result<(), Error> {
        if let Connection::Postgres(p) = self {
            let failure = match self.flush() {
                Err(e) => Some(e),
                Ok(()) => p.failed.borrow_mut().take(),
            };
            if let Some(err) = failure {
                let _ = self.rollback();
                return Err(err);
            }
        }
        let done = self.execute_batch("COMMIT");
        self.ended();
        done
    }

    /// Rolls the open transaction back.
    pub fn rollback(&self) -> Result<(), Error> {
        let done = self.execute_batch("ROLLBACK");
        self.ended();
        done
    }

    /// Drops PostgreSQL's cached plans of this connection's prepared
    /// statements once it has written [`FIRST_REPLAN`] rows, then each time
    /// that count doubles, so that they are planned again for the tables'
    /// present size. Why: after five runs PostgreSQL keeps a statement's
    /// generic plan for as long as the connection lives, or until an
    /// `ANALYZE` of its tables; autovacuum analyses a table up to a minute
    /// after it grew. A plan made while `docs` held a demo's hundred rows
    /// reads the table whole (cheapest then) for every look at a document,
    /// and a sync of thousands of new records on a fresh database went at
    /// half its speed in about half the benchmark's runs (measured with
    /// `auto_explain`: `Seq Scan on docs` in the slow runs, the primary key
    /// in the fast). A plan made again sees the table's present number of
    /// pages. The doubling keeps the cost (one `DISCARD PLANS`, then each
    /// statement planned afresh) to a few dozen times in a connection's
    /// life. Called as a writing transaction begins and between the
    /// writer's jobs (one transaction may carry 64 syncs of 200 records
    /// each); the other transactions (migrations, the copy's snapshot) do
    /// not follow a connection's writes.
    fn replan_if_grown(&self) -> Result<(), Error> {
        if let Connection::Postgres(p) = self {
            if p.rows_written.get() >= p.replan_at.get() {
                p.replan_at.set(p.rows_written.get().saturating_mul(2));
                let c = p.client()?;
                p.run(c.batch_execute("DISCARD PLANS"))?;
            }
        }
        Ok(())
    }

    /// The plan PostgreSQL would use for `sql` with `literals` (its
    /// parameters written as SQL, e.g. `'\\x00'::bytea`) when this
    /// connection runs it next: the cached, possibly generic one, as
    /// `EXPLAIN EXECUTE` tells it. For tests and diagnosis; `None` before
    /// the statement was first run, and on SQLite.
    pub fn cached_plan(&self, sql: &str, literals: &str) -> Result<Option<String>, Error> {
        let Connection::Postgres(p) = self else {
            return Ok(None);
        };
        // The driver keeps its statements' names to itself; PostgreSQL
        // lists them by their text.
        let name: Option<String> = self
            .query_row(
                "SELECT name FROM pg_prepared_statements WHERE statement = ?1",
                [postgres_placeholders(sql)],
                |r| r.get(0),
            )
            .optional()?;
        let Some(name) = name else {
            return Ok(None);
        };
        let c = p.client()?;
        let lines = p.run(c.simple_query(&format!("EXPLAIN EXECUTE {name}({literals})")))?;
        let plan: Vec<String> = lines
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
                _ => None,
            })
            .collect();
        Ok(Some(plan.join("\n")))
    }

    fn began(&self) {
        if let Connection::Postgres(p) = self {
            p.failed.borrow_mut().take();
            p.remembered.borrow_mut().clear();
            p.in_transaction.set(true);
        }
    }

    fn ended(&self) {
        if let Connection::Postgres(p) = self {
            p.failed.borrow_mut().take();
            p.remembered.borrow_mut().clear();
            p.in_transaction.set(false);
        }
    }

    /// Keeps `value` under `key` until the open transaction ends or a
    /// savepoint of it is rolled back: for what a writing transaction, which
    /// alone changes it, would otherwise read again and again (a round trip
    /// each on PostgreSQL). Nothing is kept outside a transaction, nor on
    /// SQLite, which reads from memory anyway.
    pub fn remember(&self, key: &'static str, value: Vec<u8>) {
        if let Connection::Postgres(p) = self {
            if p.in_transaction.get() {
                p.remembered.borrow_mut().insert(key, value);
            }
        }
    }

    /// What [`Connection::remember`] keeps under `key`.
    pub fn remembered(&self, key: &'static str) -> Option<Vec<u8>> {
        match self {
            Connection::Postgres(p) => p.remembered.borrow().get(key).cloned(),
            Connection::Sqlite(_) => None,
        }
    }

    /// Opens savepoint `job` inside the writer's transaction
    /// (`db::run_batch`).
    pub fn savepoint(&self) -> Result<(), Error> {
        self.flush()?;
        self.replan_if_grown()?;
        self.execute_batch("SAVEPOINT job")?;
        if let Connection::Postgres(p) = self {
            p.failed.borrow_mut().take();
        }
        Ok(())
    }

    /// Closes savepoint `job`: its work is kept if `keep` and no statement
    /// of it failed (pipelined writes included), else undone. Returns the
    /// failure that undid it, when `keep` was asked.
    pub fn release_savepoint(&self, keep: bool) -> Result<(), Error> {
        let failure = match (self.flush(), self) {
            (Err(e), _) => Some(e),
            (Ok(()), Connection::Postgres(p)) => p.failed.borrow_mut().take(),
            (Ok(()), Connection::Sqlite(_)) => None,
        };
        if keep && failure.is_none() {
            return self.execute_batch("RELEASE job");
        }
        if let Connection::Postgres(p) = self {
            p.remembered.borrow_mut().clear();
        }
        self.execute_batch("ROLLBACK TO job; RELEASE job")?;
        if let Connection::Postgres(p) = self {
            p.failed.borrow_mut().take();
        }
        match failure {
            Some(e) if keep => Err(e),
            _ => Ok(()),
        }
    }

    /// Waits for the pipelined writes' answers; the first one's error.
    pub fn flush(&self) -> Result<(), Error> {
        match self {
            Connection::Sqlite(_) => Ok(()),
            Connection::Postgres(p) => p.run(std::future::ready(Ok(()))),
        }
    }

    /// [`Connection::begin_writing`] as a transaction that is rolled
    /// back unless committed.
    pub fn begin_write(&self) -> Result<Transaction<'_>, Error> {
        self.begin_writing()?;
        Ok(Transaction {
            conn: self,
            done: false,
        })
    }

    /// Whether the database dropped the open transaction by itself (SQLite
    /// rolls back on a full disk; a PostgreSQL connection can be lost).
    pub fn transaction_lost(&self) -> bool {
        match self {
            Connection::Sqlite(c) => c.is_autocommit(),
            Connection::Postgres(p) => p.is_closed(),
        }
    }

    /// Whether the connection still works (`/ready`).
    pub fn is_closed(&self) -> bool {
        match self {
            Connection::Sqlite(_) => false,
            Connection::Postgres(p) => p.is_closed(),
        }
    }
}

/// Runs `f` where the synchronous client may block: not on a thread of
/// an async runtime (it runs a runtime of its own, and tokio refuses one
/// inside another), but on a thread of its own if need be.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

impl Postgres {
    fn link(&self) -> Result<&PgLink, Error> {
        self.link
            .as_ref()
            .ok_or_else(|| Error::internal("the PostgreSQL connection is closed"))
    }

    fn client(&self) -> Result<Arc<tokio_postgres::Client>, Error> {
        Ok(self.link()?.client.clone())
    }

    /// Runs `op` to its end, after the pipelined writes: its request is
    /// queued behind theirs, so one round trip answers all. A pipelined
    /// write's error comes first (the transaction was aborted there, and
    /// `op` failed only because of it); the first failure of the
    /// transaction is remembered ([`Postgres::failed`]).
    fn run<T>(
        &self,
        op: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, Error> {
        let link = self.link()?;
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        let (earlier, result) = link.runtime.block_on(futures_util::future::join(
            async move {
                // Every answer is read, even past a failure: the
                // connection hands them out in order.
                let (mut first, mut rows) = (None, 0);
                for write in pending {
                    match write.await {
                        Ok(n) => rows += n,
                        Err(e) => {
                            first.get_or_insert(e);
                        }
                    }
                }
                (first, rows)
            },
            op,
        ));
        let (earlier, rows) = earlier;
        self.wrote(rows);
        let result = match earlier {
            Some(e) => Err(Error::from(e)),
            None => result.map_err(Error::from),
        };
        if let Err(e) = &result {
            self.failed.borrow_mut().get_or_insert_with(|| e.clone());
        }
        result
    }

    /// Counts rows written ([`Connection::replan_if_grown`]).
    fn wrote(&self, rows: u64) {
        self.rows_written
            .set(self.rows_written.get().saturating_add(rows));
    }

    /// Queues `stmt` with `args` on the connection and returns without
    /// waiting for its answer ([`Connection::execute_pipelined`]).
    fn send(&self, stmt: tokio_postgres::Statement, args: Vec<PgArg>) -> Result<(), Error> {
        let link = self.link()?;
        let client = link.client.clone();
        let mut write: PendingWrite =
            Box::pin(async move { client.execute(&stmt, &pg_refs(&args)).await });
        // The first poll puts the request in the connection's queue (in
        // order with every other), from where the connection task writes it
        // to the socket; the next call that waits polls this again for its
        // answer (so no waker is needed now).
        let first = write
            .as_mut()
            .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
        match first {
            std::task::Poll::Pending => self.pending.borrow_mut().push(write),
            std::task::Poll::Ready(Ok(n)) => self.wrote(n),
            std::task::Poll::Ready(Err(e)) => {
                let e = Error::from(e);
                self.failed.borrow_mut().get_or_insert_with(|| e.clone());
                return Err(e);
            }
        }
        Ok(())
    }

    fn is_closed(&self) -> bool {
        self.link.as_ref().is_none_or(|l| l.client.is_closed())
    }

    /// The prepared statement for `sql`, the parameters' types inferred
    /// by the server; where it cannot infer one (`?1 IS NULL`, a parameter
    /// in the select list), typed from `values` as SQLite would take them.
    fn prepare(&self, sql: &str, values: &[Value]) -> Result<tokio_postgres::Statement, Error> {
        if let Some(s) = self.prepared.borrow().get(sql) {
            return Ok(s.clone());
        }
        let text = postgres_placeholders(sql);
        let client = self.client()?;
        if !self.needs_types.borrow().contains(sql) {
            match self.prepare_untyped(&client, &text) {
                Ok(stmt) => {
                    self.prepared
                        .borrow_mut()
                        .insert(sql.to_owned(), stmt.clone());
                    return Ok(stmt);
                }
                Err(e) if e.to_string().contains("could not determine data type") => {
                    self.needs_types.borrow_mut().insert(sql.to_owned());
                }
                Err(e) => return Err(e),
            }
        }
        use tokio_postgres::types::Type;
        let types: Vec<Type> = values
            .iter()
            .map(|v| match v {
                Value::Integer(_) => Type::INT8,
                Value::Real(_) => Type::FLOAT8,
                Value::Blob(_) => Type::BYTEA,
                Value::Text(_) | Value::Null => Type::TEXT,
            })
            .collect();
        let key = format!("{sql}\u{0}{types:?}");
        if let Some(s) = self.prepared.borrow().get(&key) {
            return Ok(s.clone());
        }
        let stmt = self.run(client.prepare_typed(&text, &types))?;
        self.prepared.borrow_mut().insert(key, stmt.clone());
        Ok(stmt)
    }

    /// Prepares `text` with the parameters' types left to the server. A
    /// statement PostgreSQL cannot prepare aborts the open transaction, so
    /// inside one the attempt is made under a savepoint (once per statement
    /// and connection: prepared statements are kept).
    fn prepare_untyped(
        &self,
        client: &tokio_postgres::Client,
        text: &str,
    ) -> Result<tokio_postgres::Statement, Error> {
        if !self.in_transaction.get() {
            return self.run(client.prepare(text));
        }
        self.run(client.batch_execute("SAVEPOINT prepare"))?;
        let attempt = self.run(client.prepare(text));
        match attempt {
            Ok(_) => self.run(client.batch_execute("RELEASE prepare"))?,
            Err(_) => {
                self.run(client.batch_execute("ROLLBACK TO prepare; RELEASE prepare"))?;
                // Undone by the savepoint: the transaction goes on.
                self.failed.borrow_mut().take();
            }
        }
        attempt
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // A runtime may not be dropped inside another: off any async one.
        let pending = std::mem::take(self.pending.get_mut());
        if let Some(link) = self.link.take() {
            off_runtime(move || {
                drop(pending);
                drop(link);
            });
        }
    }
}

/// A statement of a connection.
pub struct Statement<'c> {
    conn: &'c Connection,
    sql: String,
}

impl Statement<'_> {
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize, Error> {
        self.conn.execute(&self.sql, params)
    }

    /// Every row mapped by `f` (read whole: the store's queries are
    /// bounded by their callers).
    pub fn query_map<T, P, F>(&mut self, params: P, mut f: F) -> Result<Mapped<T>, Error>
    where
        P: Params,
        F: FnMut(&Row) -> Result<T, Error>,
    {
        let rows = self.conn.rows(&self.sql, &params.values())?;
        let out: Vec<Result<T, Error>> = rows.iter().map(&mut f).collect();
        Ok(out.into_iter())
    }

    pub fn query_row<T, P, F>(&mut self, params: P, f: F) -> Result<T, Error>
    where
        P: Params,
        F: FnOnce(&Row) -> Result<T, Error>,
    {
        self.conn.query_row(&self.sql, params, f)
    }

    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows, Error> {
        Ok(Rows {
            rows: self.conn.rows(&self.sql, &params.values())?.into_iter(),
            current: None,
        })
    }

    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool, Error> {
        Ok(!self
            .conn
            .rows_up_to(&self.sql, &params.values(), 1)?
            .is_empty())
    }
}

/// The rows of [`Statement::query_map`].
pub type Mapped<T> = std::vec::IntoIter<Result<T, Error>>;

/// The rows of [`Statement::query`], one at a time.
pub struct Rows {
    rows: std::vec::IntoIter<Row>,
    current: Option<Row>,
}

impl Rows {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<&Row>, Error> {
        self.current = self.rows.next();
        Ok(self.current.as_ref())
    }
}

/// An open transaction; rolled back when dropped uncommitted.
pub struct Transaction<'c> {
    conn: &'c Connection,
    done: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<(), Error> {
        self.done = true;
        self.conn.commit()
    }
}

impl Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.rollback();
        }
    }
}

/// `?1`, `?2` and bare `?` as PostgreSQL's `$1`, `$2`; quoted text and
/// identifiers are left alone.
pub fn postgres_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    let mut next = 1;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            c => out.push(c),
        }
    }
    out
}

struct SqliteValue<'a>(&'a Value);

impl rusqlite::ToSql for SqliteValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// PostgreSQL's rows as the seam's.
fn pg_rows(
    stmt: &tokio_postgres::Statement,
    rows: Vec<tokio_postgres::Row>,
) -> Result<Vec<Row>, Error> {
    let names: Vec<String> = stmt
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let names = std::rc::Rc::new(names);
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut cells = Vec::with_capacity(r.len());
        for i in 0..r.len() {
            let cell: PgCell = r.try_get(i)?;
            cells.push(cell.0);
        }
        out.push(Row {
            cells,
            names: names.clone(),
        });
    }
    Ok(out)
}

/// A parameter for PostgreSQL, written as the type the server inferred
/// for its place (an integer where it wants `INT4`, text where the place
/// has no other type), as SQLite takes any value anywhere.
#[derive(Debug)]
struct PgArg(Value);

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl tokio_postgres::types::ToSql for PgArg {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, BoxError> {
        use tokio_postgres::types::{IsNull, Type};
        match (&self.0, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Integer(i), t) if *t == Type::INT8 => i.to_sql(ty, out),
            (Value::Integer(i), t) if *t == Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Integer(i), t) if *t == Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Integer(i), t) if *t == Type::BOOL => (*i != 0).to_sql(ty, out),
            (Value::Integer(i), t) if *t == Type::FLOAT8 => (*i as f64).to_sql(ty, out),
            (Value::Integer(i), t) if *t == Type::TEXT || *t == Type::VARCHAR => {
                i.to_string().to_sql(ty, out)
            }
            (Value::Real(f), t) if *t == Type::FLOAT8 => f.to_sql(ty, out),
            (Value::Real(f), t) if *t == Type::FLOAT4 => (*f as f32).to_sql(ty, out),
            (Value::Text(s), t) if *t == Type::TEXT || *t == Type::VARCHAR || *t == Type::NAME => {
                s.to_sql(ty, out)
            }
            (Value::Text(s), t) if *t == Type::BYTEA => s.as_bytes().to_sql(ty, out),
            (Value::Blob(b), t) if *t == Type::BYTEA => b.to_sql(ty, out),
            (v, t) => Err(format!("{v:?} cannot be sent as {t}").into()),
        }
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

fn pg_args(values: &[Value]) -> Vec<PgArg> {
    values.iter().cloned().map(PgArg).collect()
}

fn pg_refs(args: &[PgArg]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    args.iter()
        .map(|a| a as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect()
}

/// A PostgreSQL cell read as one of SQLite's storage classes.
struct PgCell(Value);

impl<'a> tokio_postgres::types::FromSql<'a> for PgCell {
    fn from_sql(ty: &tokio_postgres::types::Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        use tokio_postgres::types::Type;
        let v = match ty {
            t if *t == Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            t if *t == Type::INT4 => Value::Integer(i32::from_sql(ty, raw)?.into()),
            t if *t == Type::INT2 => Value::Integer(i16::from_sql(ty, raw)?.into()),
            t if *t == Type::BOOL => Value::Integer(bool::from_sql(ty, raw)?.into()),
            t if *t == Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            t if *t == Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            t if *t == Type::BYTEA => Value::Blob(Vec::<u8>::from_sql(ty, raw)?),
            t if *t == Type::TEXT || *t == Type::VARCHAR || *t == Type::NAME => {
                Value::Text(String::from_sql(ty, raw)?)
            }
            t if *t == Type::VOID => Value::Null,
            t => return Err(format!("the store reads no column of type {t}").into()),
        };
        Ok(PgCell(v))
    }

    fn from_sql_null(_: &tokio_postgres::types::Type) -> Result<Self, BoxError> {
        // `void` (what pg_advisory_xact_lock returns) arrives as NULL too.
        Ok(PgCell(Value::Null))
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            postgres_placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?2 OR d = ?1"),
            "SELECT a FROM t WHERE b = $1 AND c = $2 OR d = $1"
        );
        assert_eq!(
            postgres_placeholders("INSERT INTO t VALUES (?, ?, '?')"),
            "INSERT INTO t VALUES ($1, $2, '?')"
        );
    }

    #[test]
    fn sqlite_round_trips_every_kind() -> Result<(), Error> {
        let c = Connection::from(rusqlite::Connection::open_in_memory()?);
        c.execute_batch("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n INTEGER)")?;
        c.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4)",
            params![7i64, "sju", vec![1u8, 2], None::<i64>],
        )?;
        let (i, s, b, n): (i64, String, Vec<u8>, Option<i64>) =
            c.query_row("SELECT i, s, b, n FROM t", [], |r| {
                Ok((r.get(0)?, r.get("s")?, r.get(2)?, r.get(3)?))
            })?;
        assert_eq!((i, s.as_str(), b, n), (7, "sju", vec![1, 2], None));
        assert!(c
            .query_row("SELECT i FROM t WHERE i = 8", [], |r| r.get::<_, i64>(0))
            .optional()?
            .is_none());
        Ok(())
    }
}

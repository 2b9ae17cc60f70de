//! The tests' PostgreSQL: the project's own server on loopback
//! (`scripts/postgres.sh`, started here when not running), a new database
//! per test store, and the choice of database for the suites that run on
//! both (`TRYGGHETSLOGG_TEST_DATABASE=postgres`, set by `scripts/test.sh`
//! for its second pass).

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use server::db::sql::Connection;
use server::db::{Db, Location};

/// Whether the suites run on PostgreSQL this time.
pub fn selected() -> bool {
    std::env::var("TRYGGHETSLOGG_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// The address of the tests' server (its `postgres` database), started
/// first if it is not running.
pub fn admin_url() -> Result<String> {
    static URL: OnceLock<Result<String, String>> = OnceLock::new();
    URL.get_or_init(|| start().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

fn start() -> Result<String> {
    if let Ok(url) = std::env::var("TRYGGHETSLOGG_TEST_POSTGRES") {
        return Ok(url);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !out.status.success() {
        bail!(
            "scripts/postgres.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !url.starts_with("postgres://") {
        bail!("scripts/postgres.sh printed no address: {url}");
    }
    Ok(url)
}

/// The authority that signed the tests' server's TLS certificate
/// (`scripts/postgres.sh` makes it with the server).
pub fn test_authority() -> std::path::PathBuf {
    let dir =
        std::env::var("TRYGGHETSLOGG_PG_DIR").unwrap_or_else(|_| "/tmp/trygghetslogg-pg".into());
    Path::new(&dir).join("ca.crt")
}

/// `url` with database `name` instead of its own.
pub fn with_database(url: &str, name: &str) -> String {
    match url.rfind('/') {
        Some(i) if i > "postgres://".len() => format!("{}/{name}", &url[..i]),
        _ => format!("{url}/{name}"),
    }
}

/// A new, empty database; its address. Databases of earlier runs that
/// nobody uses any more are dropped first, so the tests' server does not
/// fill the disk (each costs some 8 MB).
pub fn fresh_database() -> Result<String> {
    server::db::sql::off_runtime(make_database)
}

fn make_database() -> Result<String> {
    let admin = admin_url()?;
    let conn = Connection::postgres(&admin)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let old: Vec<String> = conn
        .prepare("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for name in old {
        let made: u64 = name
            .split('_')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if made + 3600 < now {
            // In use: PostgreSQL refuses, and it stays for a later run.
            let _ = conn.execute_batch(&format!("DROP DATABASE IF EXISTS {name}"));
        }
    }
    let name = format!("t_{now}_{}", uuid::Uuid::new_v4().simple());
    conn.execute_batch(&format!("CREATE DATABASE {name}"))?;
    Ok(with_database(&admin, &name))
}

/// Drops the database at `url` (its connections closed first).
pub fn drop_database(url: &str) -> Result<()> {
    server::db::sql::off_runtime(|| forget_database(url))
}

fn forget_database(url: &str) -> Result<()> {
    let name = url.rsplit('/').next().unwrap_or_default();
    if !name.starts_with("t_") {
        bail!("{name} is not a test database");
    }
    let conn = Connection::postgres(&admin_url()?)?;
    conn.execute_batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    Ok(())
}

/// Where a test's store is: SQLite in `dir`, or, when the suites run on
/// PostgreSQL, a database of its own, named in `dir` so that a server
/// started again on the same directory finds it.
pub fn location(dir: &Path) -> Result<Location> {
    if !selected() {
        return Ok(Location::Sqlite(server::db::db_path(dir)));
    }
    std::fs::create_dir_all(dir)?;
    let named = dir.join("postgres-url");
    let url = match std::fs::read_to_string(&named) {
        Ok(url) => url.trim().to_string(),
        Err(_) => {
            let url = fresh_database()?;
            std::fs::write(&named, &url)?;
            url
        }
    };
    Ok(Location::Postgres(url))
}

/// Opens the store of a test's data directory (see [`location`]).
pub fn open_store(dir: &Path) -> Result<Db> {
    match location(dir)? {
        Location::Sqlite(_) => Ok(Db::open(dir)?),
        at => Ok(Db::open_at(at)?),
    }
}

/// The `--database` argument a server process takes for `dir`, if any.
pub fn database_arg(dir: &Path) -> Result<Option<String>> {
    Ok(match location(dir)? {
        Location::Postgres(url) => Some(url),
        Location::Sqlite(_) => None,
    })
}

/// A connection to the store of a test's data directory, for a test's own
/// queries (its oracle reads the rows with SQL, not through the server):
/// the SQLite file read-only, or the PostgreSQL database.
pub fn store_connection(dir: &Path) -> Result<Connection> {
    Ok(match location(dir)? {
        Location::Sqlite(path) => Connection::from(rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?),
        Location::Postgres(url) => server::db::sql::off_runtime(|| Connection::postgres(&url))?,
    })
}

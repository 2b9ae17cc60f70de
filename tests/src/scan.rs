//! Byte scans for the erasure and redaction tests: a marker unique to a
//! run, typed into a record, and every file below a folder that holds it.

use std::path::Path;

use app::DeviceStore;
use shared::domain::{Millis, Organisation};
use shared::record::Record;
use shared::DocId;

use crate::{TestDevice, TestServer};

/// A marker of letters only (no digits a validation could read as a
/// personal identity number), unique to this run.
pub fn marker() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    let letters: String = hex
        .chars()
        .map(|c| (b'a' + c.to_digit(16).unwrap_or(0) as u8) as char)
        .collect();
    format!("markor{letters}")
}

/// Every file below `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    found.push(p.display().to_string());
                }
            }
        }
    }
    found
}

/// A phone whose database is a plain file (the app's is SQLCipher; the
/// scan reads the same pages unencrypted).
pub async fn phone_on_disk(
    server: &TestServer,
    dir: &Path,
    name: &str,
) -> anyhow::Result<TestDevice> {
    std::fs::create_dir_all(dir)?;
    let code = server.enrolment_code(name, Organisation::Police).await?;
    let store = DeviceStore::open(&dir.join("phone.sqlite3"))?;
    let phone = TestDevice::enrol_with_code(&server.url, &code, store).await?;
    phone.sync().await?;
    Ok(phone)
}

/// A finished visit at `started`, with `note`.
pub fn visit(phone: &TestDevice, started: Millis, note: &str) -> anyhow::Result<DocId> {
    let mut v = phone.new_visit(started)?;
    v.ended_at = Some(started + 15 * 60_000);
    v.notes.update(note);
    phone.create(Record::PatrolVisit(v))
}

/// The operator's backup of the store (`VACUUM INTO`), to `to`.
pub async fn backup_store(server: &TestServer, to: &Path) -> anyhow::Result<()> {
    let to = to.display().to_string();
    server
        .db
        .read(move |c| c.execute("VACUUM INTO ?1", [to]))
        .await?;
    Ok(())
}

/// Puts `backup` back as the store of the (stopped) server in `data`; the
/// erasure ledger beside it is kept (docs/privacy.md: it is never restored
/// from an older copy).
pub fn restore_store(data: &Path, backup: &Path) -> anyhow::Result<()> {
    let db_file = server::db::db_path(data);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_file.display()));
    }
    std::fs::copy(backup, &db_file)?;
    Ok(())
}

/// Stops `server`, restores `backup` as its store (the ledger kept), and
/// starts it again at the same address: asserting that the restored store
/// holds `marker` (the control) and that, before any request is answered,
/// no file of `data` does any more.
pub async fn restart_from_backup(
    server: TestServer,
    data: &Path,
    backup: &Path,
    marker: &str,
) -> anyhow::Result<TestServer> {
    let addr = server.addr().to_string();
    server.stop().await;
    restore_store(data, backup)?;
    assert!(
        !files_containing(data, marker).is_empty(),
        "control: the restored store holds the marker"
    );
    let server = TestServer::start_at(data, crate::many_devices_one_address(), &addr).await?;
    assert_eq!(files_containing(data, marker), Vec::<String>::new());
    Ok(server)
}

/// Where the erasure and redaction tests start: a temporary folder, the
/// server's data folder in it (a pages server: demo data and `eva`), and
/// Anna's phone with its database file in the folder too.
pub struct OnDisk {
    pub tmp: tempfile::TempDir,
    pub data: std::path::PathBuf,
    pub server: TestServer,
    pub anna: TestDevice,
}

pub async fn anna_on_disk() -> anyhow::Result<OnDisk> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("server");
    let server = crate::web::pages_server(&data).await?;
    let anna = phone_on_disk(&server, &tmp.path().join("anna"), "Anna Berg").await?;
    Ok(OnDisk {
        tmp,
        data,
        server,
        anna,
    })
}

//! The officer app: opens the encrypted device store and shows the window
//! (on Linux a desktop window of phone size, the tested stand-in for the
//! Android and iOS builds).
//!
//! The data folder is `$TRYGGHETSLOGG_APP_DIR`, or
//! `$XDG_DATA_HOME/trygghetslogg`, or `~/.local/share/trygghetslogg`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use app::keys::{KeyFile, KeyProvider};
use app::ui::state::Services;
use app::DeviceStore;
use dioxus::desktop::{Config, LogicalSize, WindowBuilder};

fn data_dir() -> PathBuf {
    if let Ok(d) = std::env::var("TRYGGHETSLOGG_APP_DIR") {
        return PathBuf::from(d);
    }
    let base = std::env::var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| ".".into())).join(".local/share")
        });
    base.join("trygghetslogg")
}

/// For the demo command: with `$TRYGGHETSLOGG_ENROLMENT_CODE` (and
/// `$TRYGGHETSLOGG_SERVER`) set, a phone not yet enrolled enrols at start,
/// as if the officer had typed the code.
fn enrol_from_environment(mut store: DeviceStore) -> anyhow::Result<DeviceStore> {
    let (Ok(code), Ok(server)) = (
        std::env::var("TRYGGHETSLOGG_ENROLMENT_CODE"),
        std::env::var("TRYGGHETSLOGG_SERVER"),
    ) else {
        return Ok(store);
    };
    if store.enrolment()?.is_some() {
        return Ok(store);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let enrolment = runtime
        .block_on(app::enrolment::enrol(&server, &code, "Demotelefon"))
        .context("enrolling with $TRYGGHETSLOGG_ENROLMENT_CODE")?;
    store.save_enrolment(&enrolment)?;
    Ok(store)
}

fn main() -> anyhow::Result<()> {
    let dir = data_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let db = dir.join("device.sqlite3");
    let keys = Arc::new(KeyFile::new(dir.join("device.key")));
    let store = DeviceStore::open_encrypted(&db, &keys.key()?)
        .context("opening the encrypted device store")?;
    let store = enrol_from_environment(store)?;
    let store = Arc::new(Mutex::new(store));

    // Sign out: close the database, delete it and its key, start afresh.
    let wipe = {
        let (store, keys, db) = (store.clone(), keys.clone(), db.clone());
        Arc::new(move || -> anyhow::Result<()> {
            let mut guard = store
                .lock()
                .map_err(|_| anyhow::anyhow!("the store is locked"))?;
            *guard = DeviceStore::open_in_memory()?;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            keys.forget()?;
            *guard = DeviceStore::open_encrypted(&db, &keys.key()?)?;
            Ok(())
        })
    };
    // A phone the server revoked (lost, or away longer than the lease)
    // wipes its records and key at the next start (docs/privacy.md).
    let revoked = store
        .lock()
        .map(|s| s.revoked().unwrap_or(false))
        .unwrap_or(false);
    if revoked {
        wipe().context("wiping the records of a revoked phone")?;
    }
    let services = Services {
        store,
        data_dir: dir.clone(),
        kick: Arc::new(tokio::sync::Notify::new()),
        wipe,
    };
    let window = WindowBuilder::new()
        .with_title("Trygghetslogg")
        .with_inner_size(LogicalSize::new(360.0, 800.0));
    dioxus::LaunchBuilder::desktop()
        .with_cfg(
            Config::new()
                .with_window(window)
                .with_menu(None)
                .with_data_directory(dir.join("webview")),
        )
        .with_context(services)
        .launch(app::ui::App);
    Ok(())
}

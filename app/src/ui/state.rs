//! The app's shared state: the services (the store, the data folder) and
//! the UI signals every screen reads, with the few helpers that turn a tap
//! into a durable edit.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use dioxus::prelude::*;
use shared::domain::Millis;
use shared::record::Record;
use shared::DocId;

use super::i18n::store_problem;
use super::i18n::Lang;
use crate::store::{DeviceStore, StoreError};

/// What the shell hands the UI: the open store and where it lives.
#[derive(Clone)]
pub struct Services {
    pub store: Arc<Mutex<DeviceStore>>,
    pub data_dir: PathBuf,
    /// Wakes the sync loop (after an edit, or "sync now").
    pub kick: Arc<tokio::sync::Notify>,
    /// Wipes the local data (sign out): closes nothing itself; the shell
    /// knows where the database and its key are.
    pub wipe: Arc<dyn Fn() -> anyhow::Result<()> + Send + Sync>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
    System,
}

impl Theme {
    pub fn code(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::System => "system",
        }
    }
    pub fn parse(s: &str) -> Theme {
        match s {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Enrol,
    Home,
    PickHotspot,
    Visit(DocId),
    PickVenue,
    Inspection(DocId),
    Summary(DocId),
    NewActivity,
    Activity(DocId),
    Records,
    Settings,
}

impl Screen {
    /// The screen kept in the store, so that reopening the app returns to
    /// the record being edited.
    pub fn to_setting(&self) -> Option<String> {
        match self {
            Screen::Visit(id) => Some(format!("visit:{id}")),
            Screen::Inspection(id) => Some(format!("inspection:{id}")),
            Screen::Summary(id) => Some(format!("summary:{id}")),
            Screen::Activity(id) => Some(format!("activity:{id}")),
            _ => None,
        }
    }

    pub fn from_setting(s: &str) -> Option<Screen> {
        let (kind, id) = s.split_once(':')?;
        let id = DocId(uuid::Uuid::parse_str(id).ok()?);
        match kind {
            "visit" => Some(Screen::Visit(id)),
            "inspection" => Some(Screen::Inspection(id)),
            "summary" => Some(Screen::Summary(id)),
            "activity" => Some(Screen::Activity(id)),
            _ => None,
        }
    }
}

/// How the last sync went, for the status line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncView {
    pub running: bool,
    pub waiting: usize,
    pub last_success: Option<Millis>,
    pub last_error: Option<crate::sync_client::SyncProblem>,
}

/// The signals every screen reads.
#[derive(Clone, Copy)]
pub struct Ui {
    pub screen: Signal<Screen>,
    pub lang: Signal<Lang>,
    pub theme: Signal<Theme>,
    /// Bumped after every write, so that screens read the store again.
    pub rev: Signal<u64>,
    pub sync: Signal<SyncView>,
    /// The clock, ticking once a second for timers.
    pub now: Signal<Millis>,
    /// An error to show (a full disk, say): never swallowed.
    pub error: Signal<Option<String>>,
}

pub fn now_ms() -> Millis {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as Millis
}

pub fn services() -> Services {
    consume_context::<Services>()
}

pub fn ui() -> Ui {
    consume_context::<Ui>()
}

/// Runs `f` on the store. A poisoned lock is reported, never hidden.
pub fn with_store<R>(svc: &Services, f: impl FnOnce(&mut DeviceStore) -> R) -> Option<R> {
    svc.store.lock().ok().map(|mut s| f(&mut s))
}

/// Reads the store; the read re-runs whenever `rev` changes.
pub fn read<R>(f: impl FnOnce(&DeviceStore) -> R) -> Option<R> {
    let svc = services();
    let _ = (ui().rev)();
    svc.store.lock().ok().map(|s| f(&s))
}

/// Makes one edit durable (one SQLite transaction) and refreshes the
/// screens; `note` names the field for the record's history.
pub fn edit(id: DocId, note: &str, change: impl FnOnce(&mut Record)) {
    let svc = services();
    let mut u = ui();
    let result = with_store(&svc, |s| {
        s.update_noted(id, now_ms(), Some(note), change).map(|_| ())
    });
    after_write(&svc, &mut u, result);
}

/// Creates a record and returns its id.
pub fn create(record: Record) -> Option<DocId> {
    let svc = services();
    let mut u = ui();
    let result = with_store(&svc, |s| s.create(&record, now_ms()));
    let id = result.as_ref().and_then(|r| r.as_ref().ok()).copied();
    after_write(&svc, &mut u, result.map(|r| r.map(|_| ())));
    id
}

/// After a write: wake the sync, or show why the write failed, in words.
fn after_write(svc: &Services, u: &mut Ui, result: Option<Result<(), StoreError>>) {
    let lang = (u.lang)();
    match result {
        Some(Ok(())) => {
            u.error.set(None);
            svc.kick.notify_one();
        }
        Some(Err(e)) => u.error.set(Some(store_problem(lang, Some(&e)))),
        None => u.error.set(Some(store_problem(lang, None))),
    }
    let next = (u.rev)() + 1;
    u.rev.set(next);
}

/// The officer's decision on a conflict a redaction left
/// (`store::rebase`): write their text again, or throw it away.
pub fn resolve_conflict(id: i64, keep: bool) {
    let svc = services();
    let mut u = ui();
    let result = with_store(&svc, |s| s.resolve_conflict(id, keep, now_ms()));
    after_write(&svc, &mut u, result);
}

/// Goes to a screen and remembers it for the next start.
pub fn go(screen: Screen) {
    let svc = services();
    let mut u = ui();
    let setting = screen.to_setting();
    let _ = with_store(&svc, |s| s.set_setting("open", setting.as_deref()));
    if (u.screen)() != screen {
        // A new screen starts at its top, not where the last one was scrolled.
        let _ = document::eval("window.scrollTo(0, 0)");
    }
    u.screen.set(screen);
}

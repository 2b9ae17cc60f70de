//! The deterministic simulation: several devices and the server in one
//! process, running the production code (the device store, `sync_once`,
//! the server's router, SQLite store and rules) under a seeded schedule of
//! edits and faults, then checking that nothing was lost.
//!
//! The seams are the ones the code already has: the device's `Transport`
//! (here [`SimNet`], which hands requests to the server's axum router in
//! process and can drop, duplicate, delay, truncate or corrupt them), the
//! server's `Clock` (a `ManualClock`), and each device's `now` (wrong by
//! hours on some phones). A device crash drops the store and reopens its
//! file; a server crash drops the database handle and the router and opens
//! them again on the same directory.
//!
//! One seed gives one schedule: every random choice comes from a `StdRng`
//! seeded with it, and the run is sequential. (Ids and actors are random
//! UUIDs, so a rerun differs in those names, not in what happens.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, ensure, Context, Result};
use app::store::{Enrolment, RecordSync};
use app::sync_client::{accept_answer, sync_once, SyncError, Transport};
use app::DeviceStore;
use automerge::ReadDoc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use server::clock::ManualClock;
use server::db::{documents, identity, projection, Db};
use server::{AppState, Limits};
use shared::domain::{
    Activity, ActivityKind, Answer, ChecklistItem, Millis, Organisation, Participant, SafetyProblem,
};
use shared::record::Record;
use shared::rollup::{
    initiative_for_inspection, initiative_for_visit, initiatives_for_activities, plan_for,
};
use shared::{DocId, DocKind};
use tower::ServiceExt;

const HOUR: Millis = 3_600_000;

/// How big a run is.
#[derive(Debug, Clone, Copy)]
pub struct SimConfig {
    pub devices: usize,
    pub steps: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            devices: 4,
            steps: 80,
        }
    }
}

/// What a run did, for the summary line.
#[derive(Debug, Default, Clone)]
pub struct SimReport {
    pub edits: usize,
    pub syncs: usize,
    pub faults: BTreeMap<&'static str, usize>,
    pub device_crashes: usize,
    pub server_restarts: usize,
    pub quarantined: usize,
    pub documents: usize,
    /// Records the coordinators erased during the run.
    pub erased: usize,
    /// Fields the coordinators redacted during the run.
    pub redacted: usize,
    /// Unsent edits a redaction clashed with, decided by their officer.
    pub conflicts: usize,
    /// Times the server's store was restored from an older backup.
    pub restores: usize,
    /// Times a coordinator changed the municipalities an officer works in.
    pub municipality_changes: usize,
}

/// What happens to one sync's first request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// The phone has no coverage: nothing reaches the server.
    Offline,
    /// The server commits, the answer never arrives.
    DropResponse,
    /// The request reaches the server twice.
    Duplicate,
    /// The request is held and reaches the server much later.
    Delay,
    TruncateRequest,
    CorruptRequest,
    CorruptResponse,
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::Offline => "offline",
            Fault::DropResponse => "drop_response",
            Fault::Duplicate => "duplicate",
            Fault::Delay => "delay",
            Fault::TruncateRequest => "truncate_request",
            Fault::CorruptRequest => "corrupt_request",
            Fault::CorruptResponse => "corrupt_response",
        }
    }
}

/// The network between the devices and the server.
#[derive(Clone)]
pub struct SimNet {
    inner: Arc<Mutex<Net>>,
}

struct Net {
    router: Option<axum::Router>,
    /// The fault for the next request only; later rounds of the same sync go
    /// through.
    next: Fault,
    /// Where to damage a message: drawn by the schedule, so seeded.
    damage_at: usize,
    delayed: Vec<(String, Vec<u8>)>,
}

impl SimNet {
    fn lock(&self) -> std::sync::MutexGuard<'_, Net> {
        self.inner.lock().expect("net lock")
    }

    /// Posts `body` with the digest of `digest_of` (the body as the client
    /// wrote it, before any damage), and returns the status, the answer's
    /// digest and the answer.
    async fn post(
        router: axum::Router,
        path: &str,
        token: Option<&str>,
        body: Vec<u8>,
        digest_of: Option<&[u8]>,
    ) -> Result<(u16, Option<String>, Vec<u8>), SyncError> {
        let mut req = axum::http::Request::post(path)
            .header("content-type", shared::sync::wire::CONTENT_TYPE);
        if let Some(original) = digest_of {
            req = req.header(
                shared::sync::wire::DIGEST_HEADER,
                shared::sync::wire::content_digest(original),
            );
        }
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = req
            .body(axum::body::Body::from(body))
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        let resp = router
            .oneshot(req)
            .await
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        let status = resp.status().as_u16();
        let digest = app::sync_client::answer_digest(resp.headers());
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        Ok((status, digest, bytes.to_vec()))
    }

    fn router(&self) -> Result<axum::Router, SyncError> {
        self.lock()
            .router
            .clone()
            .ok_or_else(|| SyncError::Unreachable("server down".into()))
    }
}

impl Transport for SimNet {
    async fn sync(&self, token: &str, body: Vec<u8>) -> Result<Vec<u8>, SyncError> {
        let (fault, at) = {
            let mut n = self.lock();
            let f = n.next;
            n.next = Fault::None;
            (f, n.damage_at)
        };
        let lost = || Err(SyncError::Unreachable("simulated loss".into()));
        match fault {
            Fault::Offline => return lost(),
            Fault::Delay => {
                self.lock().delayed.push((token.to_string(), body));
                return lost();
            }
            _ => {}
        }
        let original = body.clone();
        let mut body = body;
        match fault {
            Fault::TruncateRequest => body.truncate(at % body.len().max(1)),
            Fault::CorruptRequest if !body.is_empty() => {
                let i = at % body.len();
                body[i] ^= 0x5a;
            }
            _ => {}
        }
        let router = self.router()?;
        if fault == Fault::Duplicate {
            Self::post(
                router.clone(),
                "/v1/sync",
                Some(token),
                body.clone(),
                Some(&original),
            )
            .await?;
        }
        let (status, digest, mut answer) =
            Self::post(router, "/v1/sync", Some(token), body, Some(&original)).await?;
        match fault {
            Fault::DropResponse => lost(),
            Fault::CorruptResponse if !answer.is_empty() => {
                let i = at % answer.len();
                answer[i] ^= 0x5a;
                accept_answer(status, digest.as_deref(), answer)
            }
            _ => accept_answer(status, digest.as_deref(), answer),
        }
    }
}

struct SimDevice {
    officer: String,
    organisation: Organisation,
    path: PathBuf,
    store: Mutex<DeviceStore>,
    net: SimNet,
    /// How wrong this phone's clock is.
    skew: Millis,
    enrolment: Enrolment,
}

impl SimDevice {
    fn lock(&self) -> std::sync::MutexGuard<'_, DeviceStore> {
        self.store.lock().expect("device store lock")
    }

    fn record(&self, id: DocId) -> Result<Option<Record>> {
        Ok(self.lock().record(id)?)
    }

    /// The promise plans the phone holds (one per municipality its officer
    /// works in).
    fn plans(&self) -> Result<Vec<shared::domain::PromisePlan>> {
        let mut out = Vec::new();
        // The ids first: the store's lock is taken again for each record.
        let ids = self.lock().ids(Some(DocKind::PromisePlan))?;
        for id in ids {
            if let Some(Record::PromisePlan(p)) = self.record(id)? {
                out.push(p);
            }
        }
        Ok(out)
    }

    fn first_of(&self, kind: DocKind, pick: usize) -> Result<Option<(DocId, Record)>> {
        let ids = self.lock().ids(Some(kind))?;
        if ids.is_empty() {
            return Ok(None);
        }
        let id = ids[pick % ids.len()];
        Ok(self.record(id)?.map(|r| (id, r)))
    }
}

/// One simulation: the server, its clock, the devices, the RNG.
pub struct Sim {
    rng: StdRng,
    dir: PathBuf,
    clock: Arc<ManualClock>,
    db: Option<Db>,
    net: SimNet,
    devices: Vec<SimDevice>,
    report: SimReport,
    /// Records erased during the run: after healing, nothing of them may
    /// be anywhere.
    erased: std::collections::BTreeSet<DocId>,
    /// Records refused and corrected by their officer (the quarantine
    /// keeps them, unless erased since).
    corrected: Vec<DocId>,
    /// Per redacted record: its document before each redaction, and the
    /// path redacted. After healing no change that wrote that path may be
    /// anywhere.
    redacted: BTreeMap<DocId, Vec<(automerge::Automerge, String)>>,
    /// The operator's last backup of the store, if no coordinator edit has
    /// happened since (those would be lost by a restore, as they would be
    /// in life; the simulation restores only backups that lose none).
    backup: Option<PathBuf>,
    /// The server's two municipalities, and where each officer works as
    /// the simulation decided it (the oracle's, not the server's tables).
    municipalities: Vec<shared::MunicipalityId>,
    works_in: BTreeMap<uuid::Uuid, Vec<shared::MunicipalityId>>,
}

fn server_state(dir: &Path, clock: &Arc<ManualClock>) -> Result<(Db, axum::Router)> {
    let db = crate::postgres::open_store(dir)?;
    let router = server::router(AppState {
        db: db.clone(),
        clock: clock.clone(),
        limits: Limits::default(),
        secure_cookies: false,
        sso: None,
        metrics: Default::default(),
        metrics_token: None,
    });
    Ok((db, router))
}

impl Sim {
    /// Starts the server with demo reference data and enrols `devices`
    /// phones for officers of both organisations.
    pub async fn new(seed: u64, dir: &Path, config: SimConfig) -> Result<Sim> {
        let mut rng = StdRng::seed_from_u64(seed);
        let clock = Arc::new(ManualClock::default());
        clock.set(1_767_000_000_000 + rng.gen_range(0..365) * 24 * HOUR);
        let server_dir = dir.join("server");
        let (db, router) = server_state(&server_dir, &clock)?;
        let now = server::clock::Clock::now_ms(clock.as_ref());
        // Two municipalities, so that where an officer works matters.
        db.write(move |c| server::demo::seed_both(c, now)).await?;
        let municipalities = db
            .read(server::db::municipalities::all)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let net = SimNet {
            inner: Arc::new(Mutex::new(Net {
                router: Some(router),
                next: Fault::None,
                damage_at: 0,
                delayed: Vec::new(),
            })),
        };
        let mut sim = Sim {
            rng,
            dir: dir.to_path_buf(),
            clock,
            db: Some(db),
            net,
            devices: Vec::new(),
            report: SimReport::default(),
            erased: Default::default(),
            corrected: Vec::new(),
            redacted: BTreeMap::new(),
            backup: None,
            municipalities,
            works_in: BTreeMap::new(),
        };
        let names = [
            "Anna Berg",
            "Omar Said",
            "Lena Ek",
            "Karin Nyström",
            "Johan Lind",
            "Sara Holm",
        ];
        for i in 0..config.devices {
            let organisation = if i % 3 == 2 {
                Organisation::Municipality
            } else {
                Organisation::Police
            };
            // Within the server's tolerance for clocks ahead (12 h): a phone
            // further ahead gets its records refused until its clock is set.
            let skew = [0, 0, 3 * HOUR, -9 * HOUR, 11 * HOUR][sim.rng.gen_range(0..5)];
            let officer = names[i % names.len()].to_string();
            let d = sim
                .enrol(&officer, organisation, skew, &format!("phone-{i}"))
                .await?;
            sim.devices.push(d);
        }
        Ok(sim)
    }

    fn now(&self) -> Millis {
        server::clock::Clock::now_ms(self.clock.as_ref())
    }

    fn db(&self) -> Result<&Db> {
        self.db.as_ref().context("server is down")
    }

    async fn enrol(
        &mut self,
        officer: &str,
        organisation: Organisation,
        skew: Millis,
        name: &str,
    ) -> Result<SimDevice> {
        let (o, now) = (officer.to_string(), self.now());
        let choice = self.some_municipalities();
        let (code, id, placed) = self
            .db()?
            .write(move |c| {
                let id = identity::officer_by_name(c, &o, organisation, now)?;
                // A new officer is placed by the coordinator; one enrolling
                // a second phone keeps where they work.
                let placed = server::db::municipalities::officer_works_in(c, id)?;
                let placed = if placed.is_empty() {
                    server::db::municipalities::set_officer_works_in(c, id, &choice, now)?;
                    choice
                } else {
                    placed
                };
                Ok((identity::create_enrolment_code(c, id, now)?, id, placed))
            })
            .await?;
        self.works_in.entry(id.0).or_insert(placed);
        let body = serde_json::json!({ "code": code, "device_name": name }).to_string();
        let (status, _, bytes) = SimNet::post(
            self.net.router()?,
            "/v1/enrol",
            None,
            body.into_bytes(),
            None,
        )
        .await?;
        ensure!(status == 200, "enrolment answered {status}");
        let enrolment = app::enrolment::parse_enrolled("sim://server", name, &bytes)?;
        let path = self.dir.join(format!("{name}.sqlite3"));
        let mut store = DeviceStore::open(&path)?;
        store.save_enrolment(&enrolment)?;
        Ok(SimDevice {
            officer: officer.to_string(),
            organisation,
            path,
            store: Mutex::new(store),
            net: self.net.clone(),
            skew,
            enrolment,
        })
    }

    /// Runs the schedule, heals every fault, syncs until quiet, and checks.
    pub async fn run(mut self, config: SimConfig) -> Result<SimReport> {
        for step in 0..config.steps {
            self.clock
                .set(self.now() + self.rng.gen_range(1_000..600_000));
            self.step().await.with_context(|| format!("step {step}"))?;
        }
        self.heal().await?;
        self.check().await?;
        if let Some(db) = self.db.take() {
            db.close();
        }
        Ok(self.report)
    }

    async fn step(&mut self) -> Result<()> {
        let d = self.rng.gen_range(0..self.devices.len());
        match self.rng.gen_range(0..100) {
            0..=29 => self.create(d),
            30..=54 => self.amend(d),
            55..=84 => {
                let fault = match self.rng.gen_range(0..16) {
                    0..=6 => Fault::None,
                    7 => Fault::Offline,
                    8 | 9 => Fault::DropResponse,
                    10 => Fault::Duplicate,
                    11 => Fault::Delay,
                    12 => Fault::TruncateRequest,
                    13 => Fault::CorruptRequest,
                    _ => Fault::CorruptResponse,
                };
                self.sync(d, fault).await;
                Ok(())
            }
            85..=88 => self.deliver_delayed().await,
            89..=92 => {
                // The phone dies: everything in memory is gone.
                let dev = &self.devices[d];
                *dev.lock() = DeviceStore::open(&dev.path)?;
                self.report.device_crashes += 1;
                Ok(())
            }
            93..=95 => self.restart_server(),
            96 => self.erase().await,
            97 => self.redact().await,
            98 => self.coordinator_edit().await,
            _ => self.backup_or_restore().await,
        }
    }

    async fn sync(&mut self, d: usize, fault: Fault) {
        {
            let mut n = self.net.lock();
            n.next = fault;
            n.damage_at = self.rng.gen_range(0..1_000_000);
        }
        *self.report.faults.entry(fault.name()).or_default() += 1;
        self.report.syncs += 1;
        let dev = &self.devices[d];
        let skew = dev.skew;
        let clock = self.clock.clone();
        // Failures are the point here: the outbox keeps what was not
        // acknowledged and the next sync sends it again.
        let _ = sync_once(&dev.store, &dev.net, move || {
            server::clock::Clock::now_ms(clock.as_ref()) + skew
        })
        .await;
    }

    async fn deliver_delayed(&mut self) -> Result<()> {
        let held = std::mem::take(&mut self.net.lock().delayed);
        let Ok(router) = self.net.router() else {
            return Ok(());
        };
        for (token, body) in held {
            // The answer goes nowhere: the phone gave up long ago.
            let digest_of = body.clone();
            let _ = SimNet::post(
                router.clone(),
                "/v1/sync",
                Some(&token),
                body,
                Some(&digest_of),
            )
            .await;
            *self.report.faults.entry("delayed_delivered").or_default() += 1;
        }
        Ok(())
    }

    fn restart_server(&mut self) -> Result<()> {
        self.net.lock().router = None;
        if let Some(db) = self.db.take() {
            db.close();
        }
        let (db, router) = server_state(&self.dir.join("server"), &self.clock)?;
        self.db = Some(db);
        self.net.lock().router = Some(router);
        self.report.server_restarts += 1;
        Ok(())
    }

    fn create(&mut self, d: usize) -> Result<()> {
        let pick = self.rng.gen_range(0..1000);
        let kind = self.rng.gen_range(0..10);
        let others: Vec<(uuid::Uuid, Organisation)> = self
            .devices
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != d)
            .map(|(_, o)| (o.enrolment.officer_id, o.organisation))
            .collect();
        let partner = others
            .get(self.rng.gen_range(0..others.len().max(1)))
            .copied();
        let long = self.rng.gen_range(5..25);
        let dev = &self.devices[d];
        let now = self.now() + dev.skew;
        let record = match kind {
            0..=4 => {
                let Some((hid, Record::Hotspot(h))) = dev.first_of(DocKind::Hotspot, pick)? else {
                    return Ok(()); // No reference data yet: nothing to pick.
                };
                let mut v = shared::domain::PatrolVisit::new(hid.0, initiative_for_visit(&h), now);
                v.ended_at = Some(now + long * 60_000);
                Record::PatrolVisit(v)
            }
            5..=7 => {
                let Some((vid, Record::Venue(venue))) = dev.first_of(DocKind::Venue, pick)? else {
                    return Ok(());
                };
                // Toward the venue's own municipality's plan, as the app.
                let plans = dev.plans()?;
                let Some(initiative) =
                    plan_for(&plans, venue.municipality_id).and_then(initiative_for_inspection)
                else {
                    return Ok(());
                };
                let mut i = shared::domain::Inspection::new(vid.0, initiative, now);
                i.participants.push(Participant {
                    officer_id: dev.enrolment.officer_id,
                    organisation: dev.organisation,
                });
                // Most inspections are joint: a colleague edits too.
                if let Some((officer_id, organisation)) = partner {
                    i.participants.push(Participant {
                        officer_id,
                        organisation,
                    });
                }
                Record::Inspection(i)
            }
            _ => {
                let Some((_, Record::PromisePlan(plan))) =
                    dev.first_of(DocKind::PromisePlan, pick)?
                else {
                    return Ok(());
                };
                let inits = initiatives_for_activities(&plan);
                let Some(init) = inits.get(pick % inits.len().max(1)) else {
                    return Ok(());
                };
                Record::Activity(Activity {
                    initiative_id: init.id,
                    date: shared::local_time::format_date(now),
                    kind: ActivityKind::ALL[pick % ActivityKind::ALL.len()],
                    people_reached: (pick % 60) as u64,
                    participants: Vec::new(),
                    notes: Default::default(),
                    draft: false,
                    discarded_at: None,
                })
            }
        };
        dev.lock().create(&record, now)?;
        self.report.edits += 1;
        Ok(())
    }

    fn amend(&mut self, d: usize) -> Result<()> {
        let pick = self.rng.gen_range(0..1000usize);
        let what = self.rng.gen_range(0..100);
        let words = [
            "lugnt",
            "trängsel",
            "kontakt",
            "belysning",
            "åtgärd",
            "ölflaskor",
        ];
        let word = words[pick % words.len()];
        let dev = &self.devices[d];
        let now = self.now() + dev.skew;
        let mut ids: Vec<DocId> = Vec::new();
        for kind in [DocKind::PatrolVisit, DocKind::Inspection, DocKind::Activity] {
            ids.extend(dev.lock().ids(Some(kind))?);
        }
        if ids.is_empty() {
            return Ok(());
        }
        let id = ids[pick % ids.len()];
        dev.lock().update_noted(id, now, Some("sim"), |r| match r {
            Record::PatrolVisit(v) => match what {
                0..=39 => v.contacts.increment(1),
                40..=59 => v.interventions.increment(1),
                60..=74 => {
                    let key = SafetyProblem::ALL[pick % SafetyProblem::ALL.len()].key();
                    let on = v.problems.get(key).copied().unwrap_or(false);
                    v.problems.insert(key.into(), !on);
                }
                // Now and then an end before the start: the server refuses
                // it into the quarantine until the officer corrects it.
                75..=78 => v.ended_at = Some(v.started_at - HOUR),
                79..=84 => v.ended_at = Some(v.started_at + 15 * 60_000),
                // Started by mistake: discarded (it leaves the counted
                // tables for the uncounted ones, on every replica).
                85..=86 => v.discarded_at = Some(now),
                _ => {
                    let text = format!("{} {word}", v.notes.as_str());
                    v.notes.update(text.trim());
                }
            },
            Record::Inspection(i) => match what {
                0..=59 => {
                    let item = ChecklistItem::ALL[pick % ChecklistItem::ALL.len()];
                    i.entry_mut(item).answer =
                        [Answer::Fine, Answer::Remark, Answer::NotChecked][pick % 3];
                }
                // Read back and ended (from then on it counts), or
                // discarded.
                60..=69 => i.ended_at = Some(i.started_at + 40 * 60_000),
                70..=71 => i.discarded_at = Some(now),
                // The same findings text, from both participants.
                _ => {
                    let text = format!("{} {word}", i.findings.as_str());
                    i.findings.update(text.trim());
                }
            },
            Record::Activity(a) => match what {
                0..=1 => a.discarded_at = Some(now),
                _ => a.people_reached += 1,
            },
            _ => {}
        })?;
        self.report.edits += 1;
        Ok(())
    }

    /// One, the other or both of the two municipalities.
    fn some_municipalities(&mut self) -> Vec<shared::MunicipalityId> {
        let mut list = match self.rng.gen_range(0..3) {
            0 => vec![self.municipalities[0]],
            1 => vec![self.municipalities[1]],
            _ => self.municipalities.clone(),
        };
        list.sort();
        list
    }

    /// A coordinator changes where an officer works: the officer's phones
    /// must get the added municipality's reference data and drop the
    /// removed one's.
    async fn move_officer(&mut self) -> Result<()> {
        let Some(dev) = self
            .devices
            .get(self.rng.gen_range(0..self.devices.len().max(1)))
        else {
            return Ok(());
        };
        let officer = shared::OfficerId(dev.enrolment.officer_id);
        let list = self.some_municipalities();
        let now = self.now();
        let Ok(db) = self.db() else { return Ok(()) };
        let set = list.clone();
        db.write(move |c| server::db::municipalities::set_officer_works_in(c, officer, &set, now))
            .await?;
        self.works_in.insert(officer.0, list);
        self.report.municipality_changes += 1;
        Ok(())
    }

    async fn coordinator_edit(&mut self) -> Result<()> {
        // A restore of an older backup would lose this edit: no longer
        // one the simulation restores.
        self.backup = None;
        if self.rng.gen_bool(0.5) {
            return self.move_officer().await;
        }
        let pick = self.rng.gen_range(0..1000u64);
        let now = self.now();
        let Ok(db) = self.db() else { return Ok(()) };
        let ids: Vec<Vec<u8>> = db
            .read(|c| {
                let mut s = c.prepare("SELECT id FROM docs WHERE kind = 'hotspot' ORDER BY id")?;
                let rows = s
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?;
        let Some(id) = ids
            .get(pick as usize % ids.len().max(1))
            .and_then(|b| DocId::from_slice(b))
        else {
            return Ok(());
        };
        db.write(move |c| {
            let doc = documents::load(c, id)?;
            let Ok(Record::Hotspot(mut h)) = shared::record::read_record(&doc) else {
                return Ok(());
            };
            h.dosage.visits_per_week = 1 + pick % 9;
            server::db::reference::save(c, id, now, None, move |_| Record::Hotspot(h)).map(|_| ())
        })
        .await?;
        self.report.edits += 1;
        Ok(())
    }

    /// The `pick`-th field record the server has accepted (modulo their
    /// number), with the server; none while it is down or holds none.
    async fn field_record(&self, pick: usize) -> Result<Option<(Db, DocId, DocKind)>> {
        let Ok(db) = self.db() else { return Ok(None) };
        let field: Vec<(Vec<u8>, String)> = db
            .read(|c| {
                let mut s = c.prepare(
                    "SELECT id, kind FROM docs WHERE kind IN ('visit', 'inspection', 'activity') ORDER BY id",
                )?;
                let rows = s
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?;
        Ok(field
            .get(pick % field.len().max(1))
            .and_then(|(b, k)| Some((db.clone(), DocId::from_slice(b)?, DocKind::parse(k)?))))
    }

    /// A coordinator erases a field record the server has accepted, for a
    /// reason drawn by the schedule, while phones may be offline holding
    /// it, editing it, or with changes of it held or delayed.
    async fn erase(&mut self) -> Result<()> {
        let pick = self.rng.gen_range(0..1000usize);
        let reason = shared::erasure::ErasureReason::ALL[self.rng.gen_range(0..3)];
        let now = self.now();
        let Some((db, id, kind)) = self.field_record(pick).await? else {
            return Ok(());
        };
        let e = server::db::erasure::Erasure {
            doc_id: id,
            kind,
            reason,
            case_number: None,
            erased_by: "sim".into(),
            erased_at: now,
        };
        db.erase(e, |_| Ok(())).await?;
        self.erased.insert(id);
        self.report.erased += 1;
        Ok(())
    }

    /// A coordinator redacts the free text of a field record the server
    /// has accepted (a visit's or activity's notes, an inspection's
    /// findings), while phones may be offline editing it, or hold its old
    /// history, or have changes of it held or delayed.
    async fn redact(&mut self) -> Result<()> {
        let pick = self.rng.gen_range(0..1000usize);
        let now = self.now();
        let Some((db, id, kind)) = self.field_record(pick).await? else {
            return Ok(());
        };
        let path = if kind == DocKind::Inspection {
            "findings"
        } else {
            "notes"
        };
        let doc = db.read(move |c| documents::load(c, id)).await?;
        db.redact(
            id,
            vec![path.into()],
            shared::redaction::RedactionReason::PersonalData,
            None,
            "sim".into(),
            now,
            |_| Ok(()),
        )
        .await?;
        self.redacted
            .entry(id)
            .or_default()
            .push((doc, path.to_string()));
        self.report.redacted += 1;
        Ok(())
    }

    /// The operator takes a backup of the store (`VACUUM INTO`), or, when
    /// there is one, stops the server, restores it (the erasure ledger
    /// beside the store is kept, as docs/privacy.md says) and starts again.
    async fn backup_or_restore(&mut self) -> Result<()> {
        if crate::postgres::selected() {
            // A PostgreSQL store is backed up with pg_dump, outside the
            // server (docs/operations.md); the simulation draws no backup.
            return Ok(());
        }
        let server_dir = self.dir.join("server");
        match self.backup.take() {
            None => {
                let Ok(db) = self.db() else { return Ok(()) };
                let path = self
                    .dir
                    .join(format!("backup-{}.sqlite3", self.report.restores));
                let _ = std::fs::remove_file(&path);
                let to = path.display().to_string();
                db.read(move |c| c.execute("VACUUM INTO ?1", [to])).await?;
                self.backup = Some(path);
            }
            Some(path) => {
                self.net.lock().router = None;
                if let Some(db) = self.db.take() {
                    db.close();
                }
                crate::scan::restore_store(&server_dir, &path)?;
                self.restart_server()?;
                self.report.restores += 1;
            }
        }
        Ok(())
    }

    /// Actor bytes to the officer of the phone that writes with them.
    fn makers(&self) -> BTreeMap<Vec<u8>, uuid::Uuid> {
        self.devices
            .iter()
            .filter_map(|d| {
                hex::decode(&d.enrolment.actor)
                    .ok()
                    .map(|a| (a, d.enrolment.officer_id))
            })
            .collect()
    }

    /// Every fault heals: the server is up, coverage is back, held
    /// messages arrive; every record refused as invalid is corrected by its
    /// officer (as the app's "to correct" list asks); then everyone syncs
    /// until a whole round moves nothing.
    async fn heal(&mut self) -> Result<()> {
        if self.db.is_none() {
            self.restart_server()?;
        }
        self.deliver_delayed().await?;
        let mut quiet_rounds = 0;
        for _round in 0..40 {
            let mut moved = 0;
            for d in 0..self.devices.len() {
                self.correct_refused(d)?;
                self.decide_conflicts(d)?;
                let dev = &self.devices[d];
                let skew = dev.skew;
                let clock = self.clock.clone();
                let r = sync_once(&dev.store, &dev.net, move || {
                    server::clock::Clock::now_ms(clock.as_ref()) + skew
                })
                .await
                .with_context(|| format!("healed sync of {}", dev.officer))?;
                moved += r.acknowledged + r.received_docs + r.rejected + r.retried;
            }
            quiet_rounds = if moved == 0 { quiet_rounds + 1 } else { 0 };
            if quiet_rounds == 2 {
                return Ok(());
            }
        }
        bail!("the devices never became quiet")
    }

    /// The officer decides each conflict a redaction left: writes the
    /// text again or throws it away, as the schedule draws.
    fn decide_conflicts(&mut self, d: usize) -> Result<()> {
        let dev = &self.devices[d];
        let now = self.now() + dev.skew;
        let conflicts = dev.lock().conflicts()?;
        for c in conflicts {
            let keep = self.rng.gen_bool(0.5);
            dev.lock().resolve_conflict(c.id, keep, now)?;
            self.report.conflicts += 1;
        }
        Ok(())
    }

    fn correct_refused(&mut self, d: usize) -> Result<()> {
        let dev = &self.devices[d];
        let now = self.now() + dev.skew;
        let ids = dev.lock().ids(None)?;
        for id in ids {
            let state = dev.lock().record_sync(id)?;
            if let RecordSync::Rejected { reason, .. } = state {
                // An officer on too many patrols at once moves the visit
                // to a week of its own (the times were wrong).
                let crowded = reason.contains("other visits") || reason.contains("within an hour");
                let weeks = self.rng.gen_range(1..60);
                dev.lock().update_noted(id, now, Some("ended_at"), |r| {
                    if let Record::PatrolVisit(v) = r {
                        if crowded {
                            v.started_at -= weeks * 7 * 24 * HOUR;
                        }
                        v.ended_at = Some(v.started_at + 12 * 60_000);
                    }
                })?;
                self.report.quarantined += 1;
                self.corrected.push(id);
            }
        }
        Ok(())
    }

    async fn check(&mut self) -> Result<()> {
        let db = self.db()?.clone();
        // 0. Nothing of an erased record is anywhere: no phone holds it,
        //    the server keeps no document, change bytes, held or
        //    quarantined change of it.
        for dev in &self.devices {
            let ids = dev.lock().ids(None)?;
            for id in &ids {
                ensure!(
                    !self.erased.contains(id),
                    "{}'s phone still holds the erased {id}",
                    dev.officer
                );
            }
        }
        for id in self.erased.clone() {
            let left: i64 = db
                .read(move |c| {
                    c.query_row(
                        "SELECT (SELECT count(*) FROM docs WHERE id = ?1)
                              + (SELECT count(*) FROM changes WHERE doc_id = ?1 AND length(bytes) > 0)
                              + (SELECT count(*) FROM held_changes WHERE doc_id = ?1)
                              + (SELECT count(*) FROM quarantine WHERE doc_id = ?1)",
                        [id.as_bytes()],
                        |r| r.get(0),
                    )
                })
                .await?;
            ensure!(left == 0, "the server keeps {left} rows of the erased {id}");
        }
        // 0b. Nothing of a redacted record's past epochs is anywhere: no
        //    change of them on the server or on any phone.
        for (id, old) in self.redacted.clone() {
            if self.erased.contains(&id) {
                continue;
            }
            let server_doc = db.read(move |c| documents::load(c, id)).await?;
            // The new epoch replays the old history by the same actors at
            // the same times; a change that never wrote the redacted path
            // (the record's creation with it empty) comes back byte for
            // byte, which is allowed. Judged on the old document alone: the
            // path's text before the change and after it.
            let old: Vec<automerge::ChangeHash> = old
                .iter()
                .flat_map(|(doc, path)| {
                    doc.get_changes(&[])
                        .into_iter()
                        .filter(|c| {
                            let before =
                                shared::redaction::text_at_heads(doc, path, Some(c.deps()));
                            let after =
                                shared::redaction::text_at_heads(doc, path, Some(&[c.hash()]));
                            // Absent and empty are the same: no text.
                            before.unwrap_or_default() != after.unwrap_or_default()
                        })
                        .map(|c| c.hash())
                        .collect::<Vec<_>>()
                })
                .collect();
            for h in &old {
                ensure!(
                    server_doc.get_change_by_hash(h).is_none(),
                    "the server keeps change {h} of the redacted {id}"
                );
            }
            for dev in &self.devices {
                if let Some(doc) = dev.lock().doc(id)? {
                    for h in &old {
                        ensure!(
                            doc.get_change_by_hash(h).is_none(),
                            "{}'s phone keeps change {h} of the redacted {id}",
                            dev.officer
                        );
                    }
                }
            }
        }
        // 1. Every change saved on any device is on the server (an erased
        //    record's are nowhere, checked above).
        for dev in &self.devices {
            let ids = dev.lock().ids(None)?;
            for id in ids {
                let Some(doc) = dev.lock().doc(id)? else {
                    continue;
                };
                let server_doc = db.read(move |c| documents::load(c, id)).await?;
                for change in doc.get_changes(&[]) {
                    if server_doc.get_change_by_hash(&change.hash()).is_none() {
                        let state = dev.lock().record_sync(id)?;
                        let kind = dev.lock().record(id)?.map(|r| r.kind());
                        let quarantine = db.read(|c| server::db::quarantine::list(c, None)).await?;
                        let q: Vec<_> = quarantine
                            .iter()
                            .filter(|q| q.doc_id == id.to_string())
                            .map(|q| format!("{}: {}", q.code, q.reason))
                            .collect();
                        bail!(
                            "{}'s change {} of {id} ({kind:?}, {state:?}, quarantine {q:?}) is not on the server",
                            dev.officer,
                            change.hash()
                        );
                    }
                }
            }
            ensure!(
                dev.lock().pending_changes()? == 0,
                "{} still has changes waiting",
                dev.officer
            );
        }
        // 2. Every device holds exactly the documents the visibility rule
        //    (`shared::access::may_see`) lets its officer see, at the
        //    server's heads. The oracle is the rule applied to the server's
        //    documents as they read (kind, participants, and the maker: the
        //    officer whose device made the first change), never the
        //    server's own tables or what the server sends a fresh phone.
        let makers = self.makers();
        let server_docs: Vec<(DocId, automerge::Automerge)> = db
            .read(|c| {
                let ids: Vec<Vec<u8>> = c
                    .prepare("SELECT id FROM docs ORDER BY id")?
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                let mut out = Vec::new();
                for raw in ids {
                    let id = DocId::from_slice(&raw)
                        .ok_or_else(|| server::error::Error::internal("bad id"))?;
                    out.push((id, documents::load(c, id)?));
                }
                Ok(out)
            })
            .await?;
        let mut states = Vec::new();
        for (id, doc) in &server_docs {
            let record = shared::record::read_record(doc)
                .with_context(|| format!("server document {id} does not read"))?;
            // A redacted record's new epoch starts with its maker's first
            // change too (the history is replayed, actors kept).
            let maker = doc
                .get_changes(&[])
                .into_iter()
                .find(|c| c.deps().is_empty())
                .and_then(|c| makers.get(c.actor_id().to_bytes()).copied());
            states.push((
                *id,
                shared::access::DocState {
                    kind: record.kind(),
                    owner: maker.map(shared::OfficerId),
                    participants: record.participants(),
                    // Reference data names its municipality; a record's
                    // readers are officers by name, whatever its place.
                    municipality: shared::municipality::of_reference(&record),
                },
                {
                    let mut h = doc.get_heads();
                    h.sort();
                    h
                },
            ));
        }
        for dev in &self.devices {
            let officer = shared::OfficerId(dev.enrolment.officer_id);
            let works_in = self.works_in.get(&officer.0).cloned().unwrap_or_default();
            let reader = shared::access::Reader {
                officer,
                works_in: &works_in,
            };
            let have = heads_of(dev)?;
            for (id, state, heads) in &states {
                let may = shared::access::may_see(state, reader);
                match (may, have.get(id)) {
                    (true, Some(h)) => ensure!(
                        h == heads,
                        "{}'s phone differs from the server on {id} ({:?})",
                        dev.officer,
                        state.kind
                    ),
                    (true, None) => bail!(
                        "{}'s phone lacks {id} ({:?}), which the rule lets it see",
                        dev.officer,
                        state.kind
                    ),
                    (false, Some(_)) => bail!(
                        "{}'s phone holds {id} ({:?}), which the rule hides from it",
                        dev.officer,
                        state.kind
                    ),
                    (false, None) => {}
                }
            }
            let known: std::collections::BTreeSet<DocId> =
                states.iter().map(|(id, _, _)| *id).collect();
            let extra: Vec<_> = have.keys().filter(|k| !known.contains(k)).collect();
            ensure!(
                extra.is_empty(),
                "{}'s phone holds {extra:?}, which the server never accepted",
                dev.officer
            );
        }
        // 3. The follow-up tables equal a rebuild from the documents.
        let before = db.read(projection::dump).await?;
        db.write(|c| projection::rebuild(c).map(|_| ())).await?;
        let after = db.read(projection::dump).await?;
        ensure!(before == after, "follow-up tables differ from a rebuild");
        // 4. Refused documents are kept in the quarantine: unless erased or
        //    redacted since (either empties the record's quarantine), and
        //    unless a restore of an older backup lost the refusal (the
        //    phone keeps the refused changes until amended, so nothing of
        //    the officer's is lost; the coordinators' view of it is).
        let quarantine = db.read(|c| server::db::quarantine::list(c, None)).await?;
        let kept = if self.report.restores > 0 {
            0
        } else {
            self.corrected
                .iter()
                .filter(|id| !self.erased.contains(id) && !self.redacted.contains_key(id))
                .count()
        };
        ensure!(
            quarantine.len() >= kept,
            "{kept} refusals corrected (of records not erased since), {} in quarantine",
            quarantine.len()
        );
        for q in &quarantine {
            ensure!(
                !q.reason.is_empty(),
                "a quarantined document without a reason"
            );
        }
        self.report.documents = db
            .read(|c| c.query_row("SELECT count(*) FROM docs", [], |r| r.get::<_, i64>(0)))
            .await? as usize;
        Ok(())
    }
}

fn heads_of(dev: &SimDevice) -> Result<BTreeMap<DocId, Vec<automerge::ChangeHash>>> {
    let mut out = BTreeMap::new();
    let ids = dev.lock().ids(None)?;
    for id in ids {
        if let Some(doc) = dev.lock().doc(id)? {
            let mut h = doc.get_heads();
            h.sort();
            out.insert(id, h);
        }
    }
    Ok(out)
}

/// Runs one seed in a fresh directory (in memory-backed `/dev/shm` when
/// there is one: the simulation is about logic, not disks).
pub async fn run_seed(seed: u64, config: SimConfig) -> Result<SimReport> {
    let base = if Path::new("/dev/shm").is_dir() {
        tempfile::Builder::new()
            .prefix("sim")
            .tempdir_in("/dev/shm")?
    } else {
        tempfile::tempdir()?
    };
    let sim = Sim::new(seed, base.path(), config).await?;
    let report = sim.run(config).await;
    // A seed's PostgreSQL database goes with its directory.
    if let Some(url) = crate::postgres::database_arg(&base.path().join("server"))? {
        crate::postgres::drop_database(&url)?;
    }
    report
}

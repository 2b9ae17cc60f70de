//! The seam between the sync core's decisions and the database: what
//! taking in a pushed document reads and writes, and nothing more. The
//! rules are `shared::sync::push`'s; `ingest` drives them through this
//! trait. It is implemented once, for `db::sql::Connection` (SQLite or
//! PostgreSQL alike), by delegating to the `db` modules that own each
//! table.

use crate::db::sql::Connection;
use automerge::{Automerge, ChangeHash};
use shared::access::DocState;
use shared::domain::Millis;
use shared::record::Record;
use shared::sync::changes::CheckedChange;
use shared::sync::RejectCode;
use shared::{DocId, OfficerId};
use uuid::Uuid;

use super::documents::{self, FirstLook};
use super::held::{self, HeldRow};
use super::identity::Device;
use super::ingest::{Looked, Lookups, SqlReferences};
use super::{projection, quarantine};
use crate::error::Error;

pub trait PushStore {
    /// The accepted state of a document (none if never accepted), its
    /// epoch, whether changes of it are held, whether it is erased.
    fn first_look(&self, id: DocId) -> Result<FirstLook, Error>;
    /// The document built from its logged changes.
    fn load(&self, id: DocId) -> Result<Automerge, Error>;
    /// Changes held for the document, with the devices that sent them.
    fn held(&self, id: DocId) -> Result<Vec<HeldRow>, Error>;
    /// Bytes a device has held on the server.
    fn held_bytes(&self, device: Uuid) -> Result<usize, Error>;
    /// What validation and the municipality rule ask of the world, judged
    /// at `now`, for document `doc` of `owner`.
    /// Places and initiatives are kept in `looked`.
    fn references<'s>(
        &'s self,
        now: Millis,
        doc: DocId,
        owner: OfficerId,
        looked: &'s Looked,
    ) -> Box<dyn Lookups + 's>;
    fn append(&self, id: DocId, changes: &[CheckedChange], now: Millis) -> Result<(), Error>;
    fn hold(
        &self,
        id: DocId,
        device: &Device,
        changes: &[CheckedChange],
        now: Millis,
    ) -> Result<(), Error>;
    fn release(&self, id: DocId, hashes: &[ChangeHash]) -> Result<(), Error>;
    #[allow(clippy::too_many_arguments)]
    fn quarantine(
        &self,
        device_id: &str,
        officer: OfficerId,
        id: DocId,
        code: RejectCode,
        reason: &str,
        changes: &[Vec<u8>],
        now: Millis,
    ) -> Result<(), Error>;
    /// The accepted document's row and its readers (`access::readers`);
    /// `new`: it had none.
    fn upsert(
        &self,
        id: DocId,
        state: &DocState,
        new: bool,
        first_received_at: Millis,
        now: Millis,
    ) -> Result<(), Error>;
    /// The record's follow-up rows (`shared::projection`); `fresh`: none
    /// names it yet (`projection::write`).
    fn project(
        &self,
        id: DocId,
        owner: Option<OfficerId>,
        first_received_at: Millis,
        municipality: Option<shared::MunicipalityId>,
        record: &Record,
        fresh: bool,
    ) -> Result<shared::projection::Projection, Error>;
}

impl PushStore for Connection {
    fn first_look(&self, id: DocId) -> Result<FirstLook, Error> {
        documents::first_look(self, id)
    }
    fn load(&self, id: DocId) -> Result<Automerge, Error> {
        documents::load(self, id)
    }
    fn held(&self, id: DocId) -> Result<Vec<HeldRow>, Error> {
        held::of_doc(self, id)
    }
    fn held_bytes(&self, device: Uuid) -> Result<usize, Error> {
        held::bytes_of_device(self, device)
    }
    fn references<'s>(
        &'s self,
        now: Millis,
        doc: DocId,
        owner: OfficerId,
        looked: &'s Looked,
    ) -> Box<dyn Lookups + 's> {
        Box::new(SqlReferences::at(self, now, looked).of_record(doc, owner))
    }
    fn append(&self, id: DocId, changes: &[CheckedChange], now: Millis) -> Result<(), Error> {
        documents::append_changes(self, id, changes, now)
    }
    fn hold(
        &self,
        id: DocId,
        device: &Device,
        changes: &[CheckedChange],
        now: Millis,
    ) -> Result<(), Error> {
        held::put(self, id, device, changes, now)
    }
    fn release(&self, id: DocId, hashes: &[ChangeHash]) -> Result<(), Error> {
        held::remove(self, id, hashes)
    }
    fn quarantine(
        &self,
        device_id: &str,
        officer: OfficerId,
        id: DocId,
        code: RejectCode,
        reason: &str,
        changes: &[Vec<u8>],
        now: Millis,
    ) -> Result<(), Error> {
        quarantine::put_for(self, device_id, officer, id, code, reason, changes, now)
    }
    fn upsert(
        &self,
        id: DocId,
        state: &DocState,
        new: bool,
        first_received_at: Millis,
        now: Millis,
    ) -> Result<(), Error> {
        documents::upsert(self, id, state, new, first_received_at, now)
    }
    fn project(
        &self,
        id: DocId,
        owner: Option<OfficerId>,
        first_received_at: Millis,
        municipality: Option<shared::MunicipalityId>,
        record: &Record,
        fresh: bool,
    ) -> Result<shared::projection::Projection, Error> {
        projection::write_record(
            self,
            id,
            owner,
            first_received_at,
            municipality,
            record,
            fresh,
        )
    }
}

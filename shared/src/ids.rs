//! Identifiers shared by the app, the server and the wire format.
//!
//! Documents and officers are named by random UUIDs so that a phone can
//! create a record offline without asking anyone for a number.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The identity of one document (one hotspot, one patrol visit, ...).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocId(pub Uuid);

impl DocId {
    pub fn random() -> Self {
        DocId(Uuid::new_v4())
    }
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }
    pub fn from_slice(b: &[u8]) -> Option<Self> {
        Uuid::from_slice(b).ok().map(DocId)
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocId({})", self.0)
    }
}

/// The identity of a person using the product: an officer or municipal
/// staff member. Records name participants by this id, never by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OfficerId(pub Uuid);

impl fmt::Display for OfficerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A municipality on the server (`shared::municipality`): reference data
/// names the one it belongs to, records take theirs from their place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MunicipalityId(pub Uuid);

impl fmt::Display for MunicipalityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A local police area (lokalpolisområde): one or more municipalities
/// whose police-area coordinator works in all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PoliceAreaId(pub Uuid);

impl fmt::Display for PoliceAreaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The Automerge actor id a device writes with. The server binds exactly one
/// to each enrolled device, and refuses changes by any other actor from it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActorKey(pub Vec<u8>);

impl ActorKey {
    pub fn random() -> Self {
        ActorKey(Uuid::new_v4().as_bytes().to_vec())
    }
    pub fn to_actor(&self) -> automerge::ActorId {
        automerge::ActorId::from(self.0.as_slice())
    }
    pub fn from_actor(actor: &automerge::ActorId) -> Self {
        ActorKey(actor.to_bytes().to_vec())
    }
}

impl fmt::Debug for ActorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorKey(")?;
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

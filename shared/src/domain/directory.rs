//! The directory of colleagues: who can be named as a participant, and
//! which device actors belong to whom, so that a record's history can say
//! who changed what. Kept by the server; read-only for devices.

use autosurgeon::{Hydrate, Reconcile};
use uuid::Uuid;

use super::Organisation;

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct DirectoryEntry {
    #[key]
    pub id: Uuid,
    pub name: String,
    pub organisation: Organisation,
    /// Hex Automerge actor ids of the officer's enrolled devices.
    pub actors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub struct Directory {
    pub officers: Vec<DirectoryEntry>,
}

impl Directory {
    pub fn officer(&self, id: Uuid) -> Option<&DirectoryEntry> {
        self.officers.iter().find(|o| o.id == id)
    }

    /// The officer who writes with this actor (hex), if known.
    pub fn by_actor(&self, actor_hex: &str) -> Option<&DirectoryEntry> {
        self.officers
            .iter()
            .find(|o| o.actors.iter().any(|a| a == actor_hex))
    }
}

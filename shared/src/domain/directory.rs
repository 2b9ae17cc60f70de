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

/// One municipality's directory: the officers who work there. A phone
/// holds the directories of its officer's municipalities
/// (`shared::municipality`), and names as participants the colleagues it
/// finds in them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub struct Directory {
    pub officers: Vec<DirectoryEntry>,
    /// The municipality whose officers these are. Absent in the one
    /// directory of a server before municipalities: the upgrade writes the
    /// first municipality in.
    #[autosurgeon(missing = "Option::default")]
    pub municipality_id: Option<Uuid>,
}

impl Directory {
    /// The directories a phone holds as one: every officer once.
    pub fn merged(all: impl IntoIterator<Item = Directory>) -> Directory {
        let mut out = Directory::default();
        for d in all {
            for o in d.officers {
                if out.officer(o.id).is_none() {
                    out.officers.push(o);
                }
            }
        }
        out.officers
            .sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        out
    }

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

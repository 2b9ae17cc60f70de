//! Where a field record is in its life, and whether it counts: the one rule
//! the follow-up, the public figures, the plausibility limits and the app's
//! own "today" figures all ask.
//!
//! A record counts once it is finished (a visit or inspection ended, an
//! activity saved) and never once discarded. A discarded record is not
//! deleted: it stays in the document, its history and the access log, and
//! coordinators see it marked as discarded; it only leaves the figures.

use crate::domain::{Activity, Inspection, Millis, PatrolVisit};
use crate::record::Record;

/// A field record's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordState {
    /// Started, not yet finished: a visit under way, an inspection not yet
    /// read back, an activity not yet saved.
    Draft,
    Finished,
    /// Discarded by its officer (started by mistake); wins over finished.
    Discarded,
}

impl RecordState {
    pub const ALL: [RecordState; 3] = [
        RecordState::Draft,
        RecordState::Finished,
        RecordState::Discarded,
    ];

    /// The name stored in the server's tables.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Draft => "draft",
            RecordState::Finished => "finished",
            RecordState::Discarded => "discarded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a record in this state counts in the follow-up and the
    /// public figures.
    pub fn counts(self) -> bool {
        self == RecordState::Finished
    }

    fn of(discarded_at: Option<Millis>, finished: bool) -> Self {
        match (discarded_at, finished) {
            (Some(_), _) => RecordState::Discarded,
            (None, true) => RecordState::Finished,
            (None, false) => RecordState::Draft,
        }
    }
}

impl PatrolVisit {
    pub fn state(&self) -> RecordState {
        RecordState::of(self.discarded_at, self.ended_at.is_some())
    }
}

impl Inspection {
    pub fn state(&self) -> RecordState {
        RecordState::of(self.discarded_at, self.ended_at.is_some())
    }
}

impl Activity {
    pub fn state(&self) -> RecordState {
        RecordState::of(self.discarded_at, !self.draft)
    }
}

impl Record {
    /// A field record's state; `None` for reference data (always in force).
    pub fn state(&self) -> Option<RecordState> {
        match self {
            Record::PatrolVisit(v) => Some(v.state()),
            Record::Inspection(i) => Some(i.state()),
            Record::Activity(a) => Some(a.state()),
            _ => None,
        }
    }

    /// When a field record was discarded, if it was.
    pub fn discarded_at(&self) -> Option<Millis> {
        match self {
            Record::PatrolVisit(v) => v.discarded_at,
            Record::Inspection(i) => i.discarded_at,
            Record::Activity(a) => a.discarded_at,
            _ => None,
        }
    }

    /// Marks a field record discarded at `at` (kept if already discarded:
    /// the first discard is the one the history shows). Reference data is
    /// left as it is.
    pub fn discard(&mut self, at: Millis) {
        let slot = match self {
            Record::PatrolVisit(v) => &mut v.discarded_at,
            Record::Inspection(i) => &mut i.discarded_at,
            Record::Activity(a) => &mut a.discarded_at,
            _ => return,
        };
        slot.get_or_insert(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ActivityKind, PatrolVisit};
    use uuid::Uuid;

    #[test]
    fn a_record_counts_once_finished_and_never_once_discarded() {
        let mut v = PatrolVisit::new(Uuid::nil(), Uuid::nil(), 0);
        assert_eq!(v.state(), RecordState::Draft);
        assert!(!v.state().counts());
        v.ended_at = Some(600_000);
        assert_eq!(v.state(), RecordState::Finished);
        assert!(v.state().counts());
        let mut r = Record::PatrolVisit(v);
        r.discard(700_000);
        r.discard(800_000);
        let Record::PatrolVisit(v) = &r else {
            unreachable!()
        };
        assert_eq!(v.discarded_at, Some(700_000), "the first discard stays");
        assert_eq!(r.state(), Some(RecordState::Discarded));
        assert!(!RecordState::Discarded.counts());

        let mut a = Activity::new(Uuid::nil(), "2026-12-02".into(), ActivityKind::Other);
        assert_eq!(a.state(), RecordState::Draft);
        a.draft = false;
        assert_eq!(a.state(), RecordState::Finished);
        for s in RecordState::ALL {
            assert_eq!(RecordState::parse(s.as_str()), Some(s));
        }
    }
}

//! A one-tap tally (contacts, interventions) stored as an Automerge counter,
//! so that taps on two phones add up instead of overwriting each other.
//!
//! Written here rather than using `autosurgeon::Counter` because that type
//! writes an increment of zero on every reconcile, which turns every edit of
//! a visit into a change of its tallies too (and a no-op edit into a change).

use autosurgeon::reconcile::{CounterReconciler, NoKey};
use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};

#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    /// The value read from the document (zero for a new record).
    original: i64,
    /// Taps since it was read.
    pending: i64,
    /// A new record writes its value; a read one writes only its taps.
    fresh: bool,
}

impl Tally {
    pub fn new(value: i64) -> Self {
        Tally {
            original: value,
            pending: 0,
            fresh: true,
        }
    }
    pub fn increment(&mut self, by: i64) {
        self.pending += by;
    }
    pub fn value(&self) -> i64 {
        self.original + self.pending
    }
}

impl PartialEq for Tally {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl Reconcile for Tally {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        if self.fresh {
            reconciler.counter()?.set(self.value())?;
        } else if self.pending != 0 {
            reconciler.counter()?.increment(self.pending)?;
        }
        Ok(())
    }
}

impl Hydrate for Tally {
    fn hydrate_counter(c: i64) -> Result<Self, HydrateError> {
        Ok(Tally {
            original: c,
            pending: 0,
            fresh: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{ActorId, AutoCommit, ROOT};
    use autosurgeon::{hydrate_prop, reconcile_prop};

    #[test]
    fn concurrent_taps_add_up_and_a_reread_writes_nothing() {
        let mut a = AutoCommit::new();
        reconcile_prop(&mut a, ROOT, "t", Tally::new(1)).expect("reconcile");
        a.commit();
        let mut b = a.fork().with_actor(ActorId::random());
        let mut ta: Tally = hydrate_prop(&a, &ROOT, "t").expect("hydrate");
        let mut tb: Tally = hydrate_prop(&b, &ROOT, "t").expect("hydrate");
        ta.increment(2);
        tb.increment(3);
        reconcile_prop(&mut a, ROOT, "t", ta).expect("reconcile");
        reconcile_prop(&mut b, ROOT, "t", tb).expect("reconcile");
        a.merge(&mut b).expect("merge");
        let merged: Tally = hydrate_prop(&a, &ROOT, "t").expect("hydrate");
        assert_eq!(merged.value(), 6);
        a.commit();
        reconcile_prop(&mut a, ROOT, "t", merged).expect("reconcile");
        assert!(a.commit().is_none());
    }
}

//! The server's clock, behind a seam so that tests and the simulation can
//! set the time.

use std::sync::atomic::{AtomicI64, Ordering};

use shared::domain::Millis;

pub trait Clock: Send + Sync {
    fn now_ms(&self) -> Millis;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> Millis {
        (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as Millis
    }
}

/// A clock that says what it is told, for tests.
#[derive(Debug, Default)]
pub struct ManualClock(pub AtomicI64);

impl ManualClock {
    pub fn set(&self, t: Millis) {
        self.0.store(t, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

//! The rules of signing in to the pages: how long a source waits after
//! failed attempts, how many sessions an account keeps, and the events of
//! the security log. The server's store applies them (`server::db::
//! coordinators`); the vocabulary words them.
//!
//! Failures are counted per user name **and source address**: a guesser
//! elsewhere slows only themself, and cannot lock a coordinator out
//! (OWASP ASVS 2.2.1: soft lockout, never a hard lock anyone can trigger).
//! The first [`FREE_FAILURES`] failures cost nothing; after that each
//! failure doubles the wait before the next attempt, from one second up to
//! [`MAX_WAIT_MS`]. A right password clears the source's count.

use serde::{Deserialize, Serialize};

use crate::domain::Millis;

/// Failures from one source for one name before any wait.
pub const FREE_FAILURES: i64 = 3;
/// The longest wait between attempts.
pub const MAX_WAIT_MS: Millis = 15 * 60 * 1000;
/// How long a failure counts.
pub const FAILURE_MEMORY_MS: Millis = 24 * 60 * 60 * 1000;
/// Sessions one account keeps; signing in once more ends the oldest.
pub const MAX_SESSIONS: usize = 5;
/// How long the security log keeps an event.
pub const SECURITY_LOG_DAYS: i64 = 180;

/// The wait after `failures` failures, the last at `last_failure_at`: none,
/// or how many milliseconds from `now` until the next attempt is checked.
pub fn wait_ms(failures: i64, last_failure_at: Millis, now: Millis) -> Option<Millis> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = u32::try_from(failures - FREE_FAILURES).unwrap_or(u32::MAX);
    let wait = 1000i64
        .checked_shl(doublings.min(30))
        .unwrap_or(MAX_WAIT_MS)
        .min(MAX_WAIT_MS);
    let until = last_failure_at.saturating_add(wait);
    (until > now).then(|| until - now)
}

/// What the security log records. No password, ever; the user name as
/// typed (lower-cased), the source address and the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityEvent {
    SignedIn,
    /// A wrong password, or a name with no account.
    SignInFailed,
    /// An attempt refused unchecked: the source must wait.
    SignInDelayed,
    SignedOut,
    /// An older session ended because the account signed in once more
    /// than [`MAX_SESSIONS`].
    SessionEnded,
    /// A wrong or reused second-factor code (`two_factor`).
    SecondFactorFailed,
    /// The session ended after too many wrong codes.
    SecondFactorLocked,
    /// An authenticator app was set up, with new recovery codes.
    SecondFactorSetUp,
    /// A recovery code was used (each works once).
    RecoveryCodeUsed,
    /// An administrator made an account.
    AccountCreated,
    /// An administrator changed an account's roles.
    RolesChanged,
    /// An administrator disabled an account (its sessions ended).
    AccountDisabled,
    /// An administrator enabled a disabled account again.
    AccountEnabled,
    /// An administrator reset an account's password (a new one is set at
    /// the next sign-in).
    PasswordReset,
    /// An administrator reset an account's second factor (the app is set
    /// up again at the next sign-in).
    SecondFactorReset,
    /// The user set a new password.
    PasswordChanged,
    /// Signed in through the OpenID Connect provider.
    SignedInSso,
    /// The provider vouched for someone with no account here (or a
    /// disabled one).
    SsoNoAccount,
}

impl SecurityEvent {
    pub const ALL: [SecurityEvent; 18] = [
        SecurityEvent::SignedIn,
        SecurityEvent::SignInFailed,
        SecurityEvent::SignInDelayed,
        SecurityEvent::SignedOut,
        SecurityEvent::SessionEnded,
        SecurityEvent::SecondFactorFailed,
        SecurityEvent::SecondFactorLocked,
        SecurityEvent::SecondFactorSetUp,
        SecurityEvent::RecoveryCodeUsed,
        SecurityEvent::AccountCreated,
        SecurityEvent::RolesChanged,
        SecurityEvent::AccountDisabled,
        SecurityEvent::AccountEnabled,
        SecurityEvent::PasswordReset,
        SecurityEvent::SecondFactorReset,
        SecurityEvent::PasswordChanged,
        SecurityEvent::SignedInSso,
        SecurityEvent::SsoNoAccount,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEvent::SignedIn => "signed_in",
            SecurityEvent::SignInFailed => "sign_in_failed",
            SecurityEvent::SignInDelayed => "sign_in_delayed",
            SecurityEvent::SignedOut => "signed_out",
            SecurityEvent::SessionEnded => "session_ended",
            SecurityEvent::SecondFactorFailed => "second_factor_failed",
            SecurityEvent::SecondFactorLocked => "second_factor_locked",
            SecurityEvent::SecondFactorSetUp => "second_factor_set_up",
            SecurityEvent::RecoveryCodeUsed => "recovery_code_used",
            SecurityEvent::AccountCreated => "account_created",
            SecurityEvent::RolesChanged => "roles_changed",
            SecurityEvent::AccountDisabled => "account_disabled",
            SecurityEvent::AccountEnabled => "account_enabled",
            SecurityEvent::PasswordReset => "password_reset",
            SecurityEvent::SecondFactorReset => "second_factor_reset",
            SecurityEvent::PasswordChanged => "password_changed",
            SecurityEvent::SignedInSso => "signed_in_sso",
            SecurityEvent::SsoNoAccount => "sso_no_account",
        }
    }

    pub fn parse(s: &str) -> Option<SecurityEvent> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// A wait, in words ("4 sekunder", "15 minuter").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub ms: Millis,
}

impl Wait {
    /// Whole seconds, rounded up (a `Retry-After` never says too little).
    pub fn seconds(self) -> i64 {
        (self.ms + 999) / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failures_are_free_then_each_doubles_the_wait_up_to_a_ceiling() {
        let waits: Vec<Option<Millis>> = (0..16).map(|n| wait_ms(n, 0, 0)).collect();
        assert_eq!(&waits[..3], &[None, None, None]);
        assert_eq!(waits[3], Some(1000));
        assert_eq!(waits[4], Some(2000));
        assert_eq!(waits[8], Some(32_000));
        assert_eq!(waits[15], Some(MAX_WAIT_MS));
        assert_eq!(wait_ms(i64::MAX, 0, 0), Some(MAX_WAIT_MS));
        // The wait runs from the last failure.
        assert_eq!(wait_ms(4, 10_000, 11_500), Some(500));
        assert_eq!(wait_ms(4, 10_000, 12_000), None);
    }

    #[test]
    fn every_event_reads_back() {
        for e in SecurityEvent::ALL {
            assert_eq!(SecurityEvent::parse(e.as_str()), Some(e));
        }
    }
}

//! The second factor of signing in to the pages: time-based one-time codes
//! (TOTP, RFC 6238: HMAC-SHA-1, six digits, 30-second steps, one step of
//! clock skew either way, what every authenticator app speaks) and
//! single-use recovery codes. The `totp-rs` crate computes the codes; the
//! rules here are ours:
//!
//! - a code is accepted once: a step at or before the last one used is
//!   refused (RFC 6238 section 5.2), so a code seen over a shoulder or
//!   replayed from a log does not sign anyone in;
//! - every account signs in with a second factor, except demo accounts,
//!   marked as such, so that the demo stays one command;
//! - a recovery code is ten characters from an alphabet without look-alikes,
//!   shown once, kept only as its hash, and used once.

use totp_rs::{Secret, Totp};

use crate::domain::Millis;

/// Bytes of a new TOTP secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;
/// Recovery codes given at set-up.
pub const RECOVERY_CODES: usize = 10;
/// Wrong codes a half-signed-in session may try before it ends (the
/// password is then asked again, under its own rate limit).
pub const MAX_CODE_FAILURES: i64 = 5;
/// The issuer shown in the authenticator app.
pub const ISSUER: &str = "Trygghetslogg";

/// Whether an account must give a second factor to sign in.
pub fn required(demo: bool) -> bool {
    !demo
}

fn totp(secret: &[u8], account: &str) -> Option<Totp> {
    totp_rs::Builder::new()
        .with_secret(Secret::new(secret.to_vec().into_boxed_slice()))
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// A new secret from the OS's random source.
pub fn new_secret() -> Vec<u8> {
    use rand::RngCore as _;
    let mut s = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut s);
    s
}

/// The secret as the user types it into an app by hand (base32).
pub fn secret_text(secret: &[u8]) -> String {
    Secret::new(secret.to_vec().into_boxed_slice()).to_base32()
}

/// The `otpauth://` link an authenticator app reads from a QR code.
pub fn otpauth_url(secret: &[u8], account: &str) -> Option<String> {
    totp(secret, account)?.to_url().ok()
}

/// The time step of a code accepted at `now`, if `code` is right for it
/// and its step is after `last_step` (the last one this account used).
pub fn check(secret: &[u8], account: &str, code: &str, now: Millis, last_step: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let step = totp(secret, account)?.check(&code, u64::try_from(now / 1000).ok()?)?;
    (step > last_step).then_some(step)
}

/// The code for `now` (what the user's app shows): for tests and for
/// nothing else.
pub fn code_at(secret: &[u8], account: &str, now: Millis) -> Option<String> {
    Some(
        totp(secret, account)?
            .generate(u64::try_from(now / 1000).ok()?)
            .to_string(),
    )
}

/// The alphabet of recovery codes: no 0/O, 1/I/L.
const RECOVERY_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A new recovery code, as shown: `XXXXX-XXXXX`.
pub fn new_recovery_code() -> String {
    use rand::Rng as _;
    let mut rng = rand::rngs::OsRng;
    let mut s = String::with_capacity(11);
    for i in 0..10 {
        if i == 5 {
            s.push('-');
        }
        s.push(RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char);
    }
    s
}

/// A recovery code as typed, in the form it is kept (hashed) in: upper
/// case, no dashes or spaces. None when it cannot be one.
pub fn normalise_recovery_code(typed: &str) -> Option<String> {
    let s: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (s.len() == 10 && s.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, cut to six digits (the codes there are
    /// eight: 94287082 at 59 s, 07081804 at 1111111109 s).
    #[test]
    fn codes_are_rfc_6238() {
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, "eva", 59_000).as_deref(), Some("287082"));
        assert_eq!(
            code_at(secret, "eva", 1_111_111_109_000).as_deref(),
            Some("081804")
        );
    }

    #[test]
    fn a_code_is_accepted_once_and_with_one_step_of_skew() {
        let secret = new_secret();
        let now = 1_765_000_000_000;
        let code = code_at(&secret, "eva", now).expect("code");
        let step = check(&secret, "eva", &code, now, 0).expect("right code");
        assert_eq!(check(&secret, "eva", &code, now, step), None, "replayed");
        assert!(
            check(&secret, "eva", &code, now + 30_000, 0).is_some(),
            "one step late"
        );
        assert_eq!(
            check(&secret, "eva", &code, now + 90_000, 0),
            None,
            "too late"
        );
        assert_eq!(check(&secret, "eva", "12345", now, 0), None);
        assert_eq!(check(&secret, "eva", "abcdef", now, 0), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(check(&secret, "eva", &spaced, now, 0).is_some());
    }

    #[test]
    fn recovery_codes_read_back_however_typed() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        let kept = normalise_recovery_code(&code).expect("its own shape");
        assert_eq!(
            normalise_recovery_code(&code.to_lowercase().replace('-', " ")),
            Some(kept)
        );
        assert_eq!(normalise_recovery_code("O0O0O-I1I1I"), None);
        assert!(otpauth_url(&new_secret(), "eva")
            .is_some_and(|u| u.starts_with("otpauth://totp/Trygghetslogg:eva?")));
        assert!(required(false) && !required(true));
    }
}

//! The device's position in the server's change log.
//!
//! The server numbers every change it stores (`seq`, in commit order) and
//! keeps a running check value: `check(n) = sha256(check(n-1) ‖ hash(n))`,
//! cut to 8 bytes. A cursor is `(seq, check(seq))`. If a device presents a
//! cursor the server cannot confirm (its log is shorter, or has other
//! changes at that place) the server's log is not the one the device saw:
//! the server was restored from an older backup. The server then answers
//! with `reset`, and the device sends everything it made again and fetches
//! from the start; both sides deduplicate by change hash, so nothing is
//! lost or doubled.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const CHECK_LEN: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub seq: u64,
    #[serde(with = "serde_bytes")]
    pub check: Vec<u8>,
}

/// The check value of an empty log.
pub const GENESIS: [u8; CHECK_LEN] = [0; CHECK_LEN];

/// The check value after appending the change with `change_hash`.
pub fn next_check(previous: &[u8], change_hash: &[u8]) -> [u8; CHECK_LEN] {
    let mut h = Sha256::new();
    h.update(previous);
    h.update(change_hash);
    let digest = h.finalize();
    let mut out = [0u8; CHECK_LEN];
    out.copy_from_slice(&digest[..CHECK_LEN]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_depends_on_order_and_content() {
        let a = next_check(&next_check(&GENESIS, b"one"), b"two");
        let b = next_check(&next_check(&GENESIS, b"two"), b"one");
        assert_ne!(a, b);
        assert_eq!(a, next_check(&next_check(&GENESIS, b"one"), b"two"));
    }
}

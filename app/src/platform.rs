//! Platform services behind one seam: the phone's position (read once at
//! the start and once at the end of a visit, never tracked) and the key
//! store that protects the local database's key.
//!
//! On Android and iOS these are the platform's location service and
//! keystore (Android Keystore, iOS Keychain), reached through the mobile
//! shell; they cannot be built or tested on this Linux machine. On the
//! desktop there is no position, and the key lives in a file only the
//! user can read (`keys::KeyFile`).

use shared::domain::GeoPoint;

/// The current position, if the platform offers one and the officer
/// allowed it. None on the desktop.
pub fn position() -> Option<GeoPoint> {
    None
}

//! The key that encrypts the device's database (SQLCipher, AES-256).
//!
//! `KeyProvider` is the seam: on Android and iOS the key is kept by the
//! platform keystore (see `platform`); on the desktop it is 32 random bytes
//! in a file that only the user may read (mode 0600), next to the database.
//! A copy of the database without the key reveals nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rand::RngCore;

pub trait KeyProvider: Send + Sync {
    /// The database key, created on first use.
    fn key(&self) -> Result<[u8; 32]>;
    /// Forgets the key (sign out): the old database can never be read again.
    fn forget(&self) -> Result<()>;
}

/// The desktop key provider: a file readable only by the user.
#[derive(Debug, Clone)]
pub struct KeyFile {
    path: PathBuf,
}

impl KeyFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        KeyFile { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl KeyProvider for KeyFile {
    fn key(&self) -> Result<[u8; 32]> {
        if let Ok(text) = std::fs::read_to_string(&self.path) {
            let bytes = hex::decode(text.trim()).context("the key file is damaged")?;
            return bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("the key file has the wrong length"));
        }
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options
            .open(&self.path)
            .with_context(|| format!("creating the key file {}", self.path.display()))?;
        f.write_all(hex::encode(key).as_bytes())?;
        f.sync_all()?;
        Ok(key)
    }

    fn forget(&self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).context("removing the key file"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_stable_private_and_forgettable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let k = KeyFile::new(dir.path().join("key"));
        let a = k.key().expect("key");
        assert_eq!(a, k.key().expect("again"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(k.path())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        k.forget().expect("forget");
        assert_ne!(a, k.key().expect("new key"));
    }
}

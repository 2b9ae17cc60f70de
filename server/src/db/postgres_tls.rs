//! TLS to PostgreSQL, asked for in the database's address as libpq's
//! users write it: `postgres://…/trygghetslogg?sslmode=verify-full&sslrootcert=/etc/trygghetslogg/db-ca.pem`.
//!
//! - `sslmode=verify-full` (or `verify-ca`, or `require`): the connection
//!   is encrypted and the server's certificate verified against the
//!   authority in `sslrootcert` (a PEM file), or the public authorities
//!   when none is named, and against the address's host name. This is
//!   stricter than libpq's `require` and `verify-ca`, which do not check
//!   the name (or the certificate): police data goes to the database the
//!   operator named or nowhere.
//! - No `sslmode`, `prefer` or `disable`: no TLS, as before (a database on
//!   the same machine over its Unix socket, or on a private network).
//!
//! The TLS stack is rustls (with ring), already in the server for its
//! sign-in with an identity provider; `tokio-postgres-rustls` joins it to
//! the client.

use std::sync::Arc;

use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::Error;

/// Where to connect, and the TLS to connect with (none: plain).
pub struct Target {
    pub config: tokio_postgres::Config,
    pub tls: Option<MakeRustlsConnect>,
}

/// Reads `url`. Errors never repeat it: it may hold a password.
pub fn target(url: &str) -> Result<Target, Error> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut root: Option<String> = None;
    let mut verify = false;
    let mut kept = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match (key.as_ref(), value.as_ref()) {
            ("sslrootcert", file) => root = Some(file.to_owned()),
            ("sslmode", "require" | "verify-ca" | "verify-full") => {
                verify = true;
                kept.append_pair("sslmode", "require");
            }
            (k, v) => {
                kept.append_pair(k, v);
            }
        }
    }
    let kept = kept.finish();
    let plain = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{kept}")
    };
    let config: tokio_postgres::Config = plain.parse().map_err(|e| {
        Error::bad_input(format!("the PostgreSQL address does not read as one: {e}"))
    })?;
    if !verify {
        if root.is_some() {
            return Err(Error::bad_input(
                "the PostgreSQL address names a certificate authority (sslrootcert) \
                 without asking for TLS: add sslmode=verify-full",
            ));
        }
        return Ok(Target { config, tls: None });
    }
    let roots = match root {
        Some(file) => authorities_in(&file)?,
        None => rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(Error::internal)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Target {
        config,
        tls: Some(MakeRustlsConnect::new(tls)),
    })
}

/// The certificates of the PEM file `file`, as trusted authorities.
fn authorities_in(file: &str) -> Result<rustls::RootCertStore, Error> {
    use rustls_pki_types::pem::PemObject;
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::bad_input(format!(
            "the database's certificate authority ({file}) cannot be read: {e}"
        ))
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_file_iter(file).map_err(|e| unreadable(&e))? {
        roots
            .add(cert.map_err(|e| unreadable(&e))?)
            .map_err(|e| unreadable(&e))?;
    }
    if roots.is_empty() {
        return Err(unreadable(&"no certificate in it"));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_unless_asked() -> Result<(), Error> {
        assert!(target("postgres://u@h/db")?.tls.is_none());
        assert!(target("postgres://u@h/db?sslmode=prefer")?.tls.is_none());
        assert!(target("postgres://u@h/db?sslmode=verify-full")?
            .tls
            .is_some());
        assert!(
            target("postgres://u@h/db?sslmode=require&connect_timeout=5")?
                .tls
                .is_some()
        );
        Ok(())
    }

    #[test]
    fn a_missing_authority_file_is_named_and_the_address_is_not() {
        let err =
            target("postgres://u:secret@h/db?sslmode=verify-full&sslrootcert=/nonexistent.pem")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
        assert!(err.contains("/nonexistent.pem"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        let err = target("postgres://u:secret@h/db?sslrootcert=/ca.pem")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("sslmode=verify-full"), "{err}");
    }
}

//! The content coding of sync bodies (RFC 9110 §8.4): gzip, both ways.
//!
//! A sync body holds many small Automerge changes of the same shape: the
//! same keys, the same actor, the same schema. Automerge compresses inside
//! one change but not across changes, so gzip over the whole body takes a
//! push of 200 patrol visits from 86 KB to under 8 KB. Gzip rather than
//! zstd because `flate2` (pure Rust, miniz_oxide) is already in the tree
//! through automerge, and every HTTP stack speaks it.
//!
//! Decoding is bounded: a small body that inflates past the limit is
//! refused before it is all in memory (a decompression bomb).

use std::io::{Read, Write};

use super::wire::WireError;

/// The `Content-Encoding` token for gzip.
pub const GZIP: &str = "gzip";

/// Compresses a sync body.
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::default(),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

/// Decompresses a sync body, refusing one that inflates past `max` bytes.
pub fn gunzip(bytes: &[u8], max: usize) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| WireError::Encoding(e.to_string()))?;
    if out.len() > max {
        return Err(WireError::TooLarge(max));
    }
    Ok(out)
}

/// Decodes a body by its `Content-Encoding` header value (absent or
/// `identity`: as is).
pub fn decode_body(
    content_encoding: Option<&str>,
    bytes: Vec<u8>,
    max: usize,
) -> Result<Vec<u8>, WireError> {
    match content_encoding.map(str::trim) {
        None | Some("") | Some("identity") => Ok(bytes),
        Some(c) if c.eq_ignore_ascii_case(GZIP) => gunzip(&bytes, max),
        Some(other) => Err(WireError::UnknownEncoding(other.chars().take(40).collect())),
    }
}

/// Whether an `Accept-Encoding` header value accepts gzip (not `gzip;q=0`).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    crate::weighted_list::weighted(accept_encoding)
        .any(|(coding, q)| (coding.eq_ignore_ascii_case(GZIP) || coding == "*") && q != 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_survives_the_round_trip() {
        let body: Vec<u8> = (0..10_000u32).flat_map(|i| (i % 7).to_le_bytes()).collect();
        let z = gzip(&body);
        assert!(z.len() < body.len() / 10);
        assert_eq!(decode_body(Some("gzip"), z, body.len()), Ok(body));
    }

    #[test]
    fn a_bomb_is_refused_at_the_limit() {
        let z = gzip(&vec![0u8; 1_000_000]);
        assert!(z.len() < 5_000);
        assert_eq!(gunzip(&z, 100_000), Err(WireError::TooLarge(100_000)));
    }

    #[test]
    fn damaged_or_unknown_codings_are_refused() {
        assert!(matches!(
            gunzip(b"not gzip at all", 1000),
            Err(WireError::Encoding(_))
        ));
        assert!(matches!(
            decode_body(Some("br"), vec![1], 1000),
            Err(WireError::UnknownEncoding(_))
        ));
        assert_eq!(decode_body(None, vec![1, 2], 1000), Ok(vec![1, 2]));
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts_gzip("gzip"));
        assert!(accepts_gzip("br, gzip;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("identity"));
    }
}

//! Weighted lists in HTTP headers (`Accept-Encoding`, `Accept-Language`;
//! RFC 9110 §12.4.2): members separated by commas, each a token with an
//! optional `;q=` weight (1 when absent or unreadable).

/// Each member's token and weight, in the header's order.
pub fn weighted(value: &str) -> impl Iterator<Item = (&str, f32)> {
    value.split(',').map(|member| {
        let mut parts = member.split(';').map(str::trim);
        let token = parts.next().unwrap_or("");
        let q = parts
            .find_map(|p| p.strip_prefix("q=").and_then(|q| q.parse().ok()))
            .unwrap_or(1.0);
        (token, q)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_come_with_their_weights() {
        let got: Vec<_> = weighted("sv-SE, sv;q=0.9 , en;q=x").collect();
        assert_eq!(got, vec![("sv-SE", 1.0), ("sv", 0.9), ("en", 1.0)]);
    }
}

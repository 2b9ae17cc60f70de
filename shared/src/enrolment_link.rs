//! The enrolment link a coordinator's page shows (as text and as a QR
//! code) and the app accepts pasted or scanned: the server's address and
//! the one-time code in one string, so that nobody types either.
//!
//! Form: `<server>/enrol#code=<code>`, for example
//! `https://trygg.example.se/enrol#code=K7M2-9QXD`. The code is in the
//! fragment, which browsers never send to a server or write to its logs.

/// What a link carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentLink {
    /// The server's base address, as the app syncs with it.
    pub server: String,
    pub code: String,
}

const PATH: &str = "/enrol#code=";

/// The link for `server` (its base address) and `code`.
pub fn format(server: &str, code: &str) -> String {
    format!("{}{PATH}{}", server.trim_end_matches('/'), code.trim())
}

/// Reads a link back; `None` for anything that is not one (a bare address
/// or a bare code).
pub fn parse(text: &str) -> Option<EnrolmentLink> {
    let text = text.trim();
    let (server, code) = text.split_once(PATH)?;
    let scheme_ok = server.starts_with("https://") || server.starts_with("http://");
    let code = code.trim();
    if !scheme_ok || code.is_empty() || code.contains(char::is_whitespace) {
        return None;
    }
    Some(EnrolmentLink {
        server: server.to_string(),
        code: code.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_carries_the_address_and_the_code_and_nothing_else_reads_as_one() {
        let link = format("https://trygg.example.se/", "K7M2-9QXD");
        assert_eq!(link, "https://trygg.example.se/enrol#code=K7M2-9QXD");
        assert_eq!(
            parse(&format!("  {link}\n")),
            Some(EnrolmentLink {
                server: "https://trygg.example.se".into(),
                code: "K7M2-9QXD".into()
            })
        );
        for not_a_link in [
            "https://trygg.example.se",
            "K7M2-9QXD",
            "ftp://x/enrol#code=A",
            "https://x/enrol#code=",
            "https://x/enrol#code=A B",
        ] {
            assert_eq!(parse(not_a_link), None, "{not_a_link}");
        }
    }
}

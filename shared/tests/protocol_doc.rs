//! `docs/protocol.md` is what an outside team writes a client from: its
//! tables of every record kind's fields are the schema code's own
//! (`shared::schema::markdown`), so the document cannot drift from what the
//! server checks. `UPDATE_DOCS=1 cargo test -p trygghetslogg-shared --test
//! protocol_doc` rewrites them after a schema change.

use shared::schema::markdown;
use shared::DocKind;

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md");

fn markers(kind: DocKind) -> (String, String) {
    (
        format!("<!-- schema:{} -->\n", kind.as_str()),
        format!("<!-- /schema:{} -->", kind.as_str()),
    )
}

#[test]
fn the_protocol_documents_every_field_of_every_kind_as_the_schema_checks_it() {
    let mut doc = std::fs::read_to_string(DOC).expect("docs/protocol.md");
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for kind in DocKind::ALL {
        let (open, close) = markers(kind);
        let start = doc
            .find(&open)
            .unwrap_or_else(|| panic!("docs/protocol.md lacks {open:?}"))
            + open.len();
        let end = start
            + doc[start..]
                .find(&close)
                .unwrap_or_else(|| panic!("docs/protocol.md lacks {close:?}"));
        let want = markdown(kind);
        if doc[start..end] != want {
            stale.push(kind.as_str());
            doc.replace_range(start..end, &want);
        }
    }
    if update {
        std::fs::write(DOC, doc).expect("write docs/protocol.md");
    } else {
        assert!(
            stale.is_empty(),
            "docs/protocol.md's tables differ from the schema for {stale:?}; run with UPDATE_DOCS=1"
        );
    }
}

//! The venue list every phone receives with its sync: each venue's latest
//! counted inspection by any officer (`shared::sync::wire::VenueList`), so
//! that the venue picker knows of a colleague's inspection it cannot see.
//! The list carries a tag that the projection replaces whenever an
//! inspection's counted rows change; a phone that sends the current tag
//! gets nothing, so the list costs one comparison per sync.

use crate::db::sql::{Connection, OptionalExtension as _};
use shared::domain::FollowUp;
use shared::follow_up::InspectionFact;
use shared::sync::wire::VenueList;

use crate::error::Error;

const TAG_KEY: &str = "venue_list_tag";

/// Marks the list changed: a fresh random tag. Random rather than a
/// counter so that a database restored from a backup, whose counter
/// would run through numbers phones already hold, never repeats a tag
/// for another list.
pub fn changed(conn: &Connection) -> Result<(), Error> {
    let tag: [u8; 8] = rand::random();
    conn.replace(
        "meta",
        "key",
        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
        crate::db::sql::params![TAG_KEY, tag.to_vec()],
    )?;
    Ok(())
}

/// The list, when `held` (the tag the phone sent) is not the current one.
pub fn unless_held(
    conn: &Connection,
    held: Option<&[u8]>,
    works_in: &[shared::MunicipalityId],
) -> Result<Option<VenueList>, Error> {
    let tag: Option<Vec<u8>> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([TAG_KEY], |r| r.get(0))
        .optional()?;
    // No inspection was ever projected: the empty list, under a tag made
    // now, so that the phone stops asking.
    let tag = match tag {
        Some(t) => t,
        None => {
            changed(conn)?;
            return unless_held(conn, held, works_in);
        }
    };
    // The officer's list is the venues of the municipalities they work
    // in: its tag is the server's with those municipalities, so that
    // being given or losing one sends a new list.
    let tag = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for m in works_in {
            h.update(m.0.as_bytes());
        }
        let mut t = tag;
        t.extend_from_slice(&h.finalize()[..8]);
        t
    };
    if held == Some(tag.as_slice()) {
        return Ok(None);
    }
    // Every counted inspection of the officer's municipalities:
    // `shared::follow_up::venue_status` picks each venue's latest (SQL
    // only reads).
    let mut stmt = conn.prepare_cached(
        "SELECT venue_id, started_at, follow_up FROM inspections WHERE municipality = ?1",
    )?;
    let mut facts = Vec::new();
    for m in works_in {
        for row in stmt.query_map([m.0.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })? {
            let (venue, started_at, follow_up) = row?;
            // The projection wrote these columns from checked values; a row
            // that does not read back is left out of the picker's hints
            // rather than failing the officer's sync.
            let (Ok(venue), Some(follow_up)) =
                (uuid::Uuid::parse_str(&venue), FollowUp::parse(&follow_up))
            else {
                continue;
            };
            facts.push(InspectionFact {
                venue,
                started_at,
                follow_up,
            });
        }
    }
    Ok(Some(VenueList::new(tag, &facts)))
}

//! Cells that leave the product in a CSV file a coordinator opens in a
//! spreadsheet. A text cell that starts like a formula (`=`, `+`, `-`, `@`,
//! a tab or a carriage return) would be run by Excel or LibreOffice: a
//! venue named `=HYPERLINK("https://…")` becomes a link, `+cmd|…` worse
//! (CSV injection, OWASP). Such a cell is written with a leading
//! apostrophe, which spreadsheets show as text; numbers are left as they
//! are, and an import takes the apostrophe off again, so an export read
//! back is the same data.

use std::borrow::Cow;

fn formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.trim().parse::<f64>().is_err()
}

/// A cell as it is safe to write.
pub fn safe_cell(s: &str) -> Cow<'_, str> {
    if formula_like(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A row of cells as they are safe to write.
pub fn safe_row<I, S>(cells: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    cells
        .into_iter()
        .map(|c| safe_cell(c.as_ref()).into_owned())
        .collect()
}

/// A cell as an import reads it: the apostrophe [`safe_cell`] added is
/// taken off; any other text is left as it is.
pub fn read_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_and_text_are_not_and_imports_undo_it() {
        for (cell, written) in [
            ("=HYPERLINK(\"https://x\")", "'=HYPERLINK(\"https://x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-2+3", "'-2+3"),
            ("\tx", "'\tx"),
            ("-16.45", "-16.45"),
            ("Krogen AB", "Krogen AB"),
            ("'citat'", "'citat'"),
        ] {
            assert_eq!(safe_cell(cell), written, "{cell:?}");
            assert_eq!(read_cell(&safe_cell(cell)), cell, "{cell:?} round trip");
        }
    }
}

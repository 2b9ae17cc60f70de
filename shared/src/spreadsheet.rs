//! Cells that leave the product in a CSV file a coordinator opens in a
//! spreadsheet. A text cell that starts like a formula (`=`, `+`, `-`, `@`,
//! a tab or a carriage return) would be run by Excel or LibreOffice: a
//! venue named `=HYPERLINK("https://…")` becomes a link, `+cmd|…` worse
//! (CSV injection, OWASP). Such a cell is written with a leading
//! apostrophe, which spreadsheets show as text; numbers are left as they
//! are, and an import takes the apostrophe off again, so an export read
//! back is the same data.

//!
//! The files are written as Swedish Excel opens them with a double click:
//! UTF-8 with a byte-order mark (else å, ä and ö come out broken),
//! semicolons between cells (Excel's list separator in a Swedish locale,
//! where the comma is the decimal sign) and decimal commas. Imports read
//! that, and also comma-separated files with decimal points (what other
//! tools write), whichever the header line shows.

use std::borrow::Cow;

/// UTF-8's byte-order mark, which tells Excel the file is UTF-8.
pub const BOM: &str = "\u{feff}";

/// A writer of CSV as Swedish Excel reads it: BOM, semicolons.
pub fn excel_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(BOM.as_bytes().to_vec())
}

/// The written bytes of an [`excel_writer`] (or any CSV writer over a
/// `Vec`).
pub fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, csv::Error> {
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A header and rows as an Excel CSV file, every cell formula-safe.
pub fn excel_csv<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> Result<Vec<u8>, csv::Error> {
    let mut w = excel_writer();
    w.write_record(header)?;
    for r in rows {
        w.write_record(safe_row(r.as_ref()))?;
    }
    finish(w)
}

/// A number with a decimal comma, as Swedish Excel shows and saves it.
pub fn decimal(x: f64) -> String {
    x.to_string().replace('.', ",")
}

/// A decimal number read from either convention (`57,26` or `57.26`).
pub fn parse_decimal(s: &str) -> Option<f64> {
    s.trim().replace(',', ".").parse().ok()
}

/// An import's text without its byte-order mark, and the separator its
/// header line uses: a semicolon when it has more of them than commas.
pub fn sniff(text: &str) -> (&str, u8) {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let header = text.lines().next().unwrap_or("");
    let separator = if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    };
    (text, separator)
}

fn formula_like(s: &str) -> bool {
    // A negative number is a number, with a decimal point or comma.
    s.starts_with(['=', '+', '-', '@', '\t', '\r']) && parse_decimal(s).is_none()
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
    fn excel_files_have_a_bom_semicolons_and_decimal_commas_and_both_kinds_read() {
        let bytes = excel_csv(
            &["namn", "lat"],
            &[vec!["Torget".to_string(), decimal(57.26)]],
        )
        .expect("write");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert_eq!(text, "\u{feff}namn;lat\nTorget;57,26\n");
        assert_eq!(sniff(&text), ("namn;lat\nTorget;57,26\n", b';'));
        assert_eq!(sniff("name,lat\nTorget,57.26\n").1, b',');
        assert_eq!(parse_decimal("57,26"), Some(57.26));
        assert_eq!(parse_decimal(" 57.26 "), Some(57.26));
        assert_eq!(parse_decimal("norr"), None);
    }

    #[test]
    fn formulas_are_neutralised_numbers_and_text_are_not_and_imports_undo_it() {
        for (cell, written) in [
            ("=HYPERLINK(\"https://x\")", "'=HYPERLINK(\"https://x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-2+3", "'-2+3"),
            ("\tx", "'\tx"),
            ("-16.45", "-16.45"),
            ("-16,45", "-16,45"),
            ("Krogen AB", "Krogen AB"),
            ("'citat'", "'citat'"),
        ] {
            assert_eq!(safe_cell(cell), written, "{cell:?}");
            assert_eq!(read_cell(&safe_cell(cell)), cell, "{cell:?} round trip");
        }
    }
}

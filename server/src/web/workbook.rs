//! Excel workbooks in and out of the reference pages: an export is the
//! CSV export's cells in a sheet (`rust_xlsxwriter`), an import is the
//! first sheet read back into the CSV import's text (`calamine`), so that
//! one reader (`shared::reference_csv`) checks both.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

/// Whether an upload is a workbook (an `.xlsx` is a zip archive).
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The first sheet as comma-separated text: dates as `YYYY-MM-DD`, times
/// of day as `HH:MM`, numbers as written, as the CSV import reads them.
pub fn first_sheet_as_csv(bytes: &[u8]) -> Result<String, String> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| "the workbook has no sheet".to_string())?
        .map_err(|e| e.to_string())?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in range.rows() {
        let cells: Vec<String> = row.iter().map(cell).collect();
        w.write_record(&cells).map_err(|e| e.to_string())?;
    }
    let bytes = shared::spreadsheet::finish(w).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

fn cell(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Data::DateTime(t) => {
            let (y, mo, d, h, mi, ..) = t.to_ymd_hms_milli();
            if t.as_f64() < 1.0 {
                // A time of day alone (serving hours).
                format!("{h:02}:{mi:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}")
            }
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A CSV export (as `shared::spreadsheet` writes it) as a workbook of one
/// sheet named `name`: numbers as numbers, ids and everything else as text.
pub fn csv_as_workbook(csv_bytes: &[u8], name: &str) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(csv_bytes).map_err(|e| e.to_string())?;
    let (text, separator) = shared::spreadsheet::sniff(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(separator)
        .from_reader(text.as_bytes());
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(name).map_err(|e| e.to_string())?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (r, record) in reader.records().enumerate() {
        let record = record.map_err(|e| e.to_string())?;
        for (c, value) in record.iter().enumerate() {
            let value = shared::spreadsheet::read_cell(value);
            let (r, c) = (r as u32, c as u16);
            let written = match shared::spreadsheet::parse_decimal(value) {
                _ if r == 0 => sheet.write_string_with_format(r, c, value, &bold),
                Some(n) if !value.contains('-') || value.starts_with('-') => {
                    sheet.write_number(r, c, n)
                }
                _ => sheet.write_string(r, c, value),
            };
            written.map_err(|e| e.to_string())?;
        }
    }
    sheet.autofit();
    book.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_export_read_back_from_its_workbook_gives_the_same_cells() {
        let csv = "\u{feff}id;name;lat;active_from;opens\n;Torget;57,26;2026-01-01;11:00\n";
        let book = csv_as_workbook(csv.as_bytes(), "hotspots").expect("write");
        assert!(is_workbook(&book));
        let back = first_sheet_as_csv(&book).expect("read");
        assert_eq!(
            back,
            "id,name,lat,active_from,opens\n,Torget,57.26,2026-01-01,11:00\n"
        );
    }
}

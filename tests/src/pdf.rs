//! Printed pages read back: what a person sees on each page of a PDF the
//! browser printed, as text (poppler's `pdftotext`, installed by
//! `scripts/install-system-deps.sh`).

use std::path::Path;
use std::process::Command;

use anyhow::{ensure, Context, Result};

/// The text of each page, in reading order.
pub fn pdf_pages(pdf: &Path) -> Result<Vec<String>> {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .context("running pdftotext (poppler-utils)")?;
    ensure!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // Pages end with a form feed; the last one is followed by nothing.
    Ok(text
        .split('\u{c}')
        .map(str::to_string)
        .filter(|p| !p.trim().is_empty())
        .collect())
}

/// Fails when a page's last line of text is one of `headings`: a heading
/// printed alone at the bottom of a page, its content on the next.
pub fn assert_no_heading_ends_a_page(pages: &[String], headings: &[&str]) {
    for (n, page) in pages.iter().enumerate() {
        let last = page
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .unwrap_or("");
        assert!(
            !headings.contains(&last),
            "page {} ends with the heading {last:?}:\n{page}",
            n + 1
        );
    }
}

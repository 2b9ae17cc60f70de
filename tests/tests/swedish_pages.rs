//! Every page a coordinator or a citizen reads, rendered in Swedish over
//! real HTTP on a year of generated records, holds no English domain word
//! and no raw key. The forbidden words come from the catalogue itself
//! (`shared::vocabulary`, every value's English words and stored keys), so
//! a value added to the domain is checked without touching this test.
//!
//! The CSV and Excel exports keep English column names and stable keys on
//! purpose (a spreadsheet filters on them; `docs/web.md`), so they are not
//! read here.

use e2e::now_ms;
use e2e::web::{pages_server, WebClient, PASSWORD};
use shared::domain::{
    ActivityKind, Answer, ChecklistItem, Counts, FollowUp, Organisation, Owner, RiskLevel,
    SafetyProblem, TargetPeriod,
};
use shared::vocabulary::{Lang, Words};

/// The English words and stored keys that must not reach a Swedish page.
fn forbidden() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |w: &dyn Words, key: &str| {
        let (sv, en) = (w.words(Lang::Sv), w.words(Lang::En));
        if sv != en {
            out.push(en.into_owned());
        }
        // Keys with an underscore can only be raw keys; one-word keys are
        // checked where they are not also Swedish or a common loan.
        out.push(key.to_string());
    };
    for v in ChecklistItem::ALL {
        add(&v, v.key());
    }
    for v in Answer::ALL {
        add(&v, v.as_str());
    }
    for v in RiskLevel::ALL {
        add(&v, v.as_str());
    }
    for v in FollowUp::ALL {
        add(&v, v.as_str());
    }
    for v in Owner::ALL {
        add(&v, v.as_str());
    }
    for v in Counts::ALL {
        add(&v, v.as_str());
    }
    for v in TargetPeriod::ALL {
        add(&v, v.as_str());
    }
    for v in ActivityKind::ALL {
        add(&v, v.as_str());
    }
    for v in SafetyProblem::ALL {
        add(&v, v.key());
    }
    for v in [Organisation::Police, Organisation::Municipality] {
        add(&v, v.as_str());
    }
    // Words that are Swedish too ("plan") or not words at all in a page.
    let allowed = ["plan", "tertial", "quarter", "year"];
    out.retain(|w| !allowed.contains(&w.as_str()) && !w.is_empty());
    out.sort();
    out.dedup();
    out
}

/// The text a person reads: no tags, styles or attribute values.
fn visible_text(html: &str) -> String {
    let mut s = html.to_string();
    for tag in ["style", "script"] {
        while let Some(a) = s.find(&format!("<{tag}")) {
            let end = s[a..]
                .find(&format!("</{tag}>"))
                .map(|e| a + e + tag.len() + 3)
                .unwrap_or(s.len());
            s.replace_range(a..end, " ");
        }
    }
    let mut text = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Where `word` stands in `text` as a word of its own.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if boundary(before) && boundary(after) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_swedish_has_no_english_domain_word_or_raw_key() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = pages_server(dir.path()).await?;
    let now = now_ms();
    let size = server::seed::Size {
        municipality: server::demo::MUNICIPALITIES[0].into(),
        visits: 400,
        inspections: 40,
        hotspots: 12,
        venues: 12,
        years: 1,
        officers: 3,
    };
    let db = server.db.clone();
    tokio::task::spawn_blocking(move || server::seed::seed(&db, size, now, |_, _| {})).await??;
    let (inspection, visit): (String, String) = server
        .db
        .read(|c| {
            Ok((
                c.query_row(
                    "SELECT doc_id FROM inspections ORDER BY doc_id LIMIT 1",
                    [],
                    |r| r.get(0),
                )?,
                c.query_row(
                    "SELECT doc_id FROM patrol_visits ORDER BY doc_id LIMIT 1",
                    [],
                    |r| r.get(0),
                )?,
            ))
        })
        .await?;
    let year = shared::local_time::to_local(now).year();

    let mut eva = WebClient::new(&server.url);
    eva.accept_language = Some("sv-SE,sv;q=0.9,en;q=0.5".into());
    eva.sign_in("eva", PASSWORD).await?;
    let mut pages = Vec::new();
    for path in [
        format!("/follow-up?period={year}"),
        format!("/follow-up?period={year}-Q1"),
        "/records".to_string(),
        "/reference".to_string(),
        "/devices".to_string(),
        "/quarantine".to_string(),
        "/security-log".to_string(),
        "/retention".to_string(),
        "/accounts".to_string(),
        "/municipalities".to_string(),
        "/public/demokommun".to_string(),
        format!("/records/{visit}/erase"),
        format!("/records/{visit}/redact"),
        "/public".to_string(),
        format!("/records/{inspection}/protocol"),
    ] {
        // The protocol's purpose form, then the protocol itself below.
        let page = eva.get(&path).await?;
        assert_eq!(page.status, 200, "{path}");
        pages.push((path, page.body));
    }
    for id in [&inspection, &visit] {
        let form = eva.get(&format!("/records/{id}")).await?;
        let csrf = form.csrf().expect("the purpose form has a CSRF token");
        let page = eva
            .post(
                &format!("/records/{id}"),
                &[("csrf", &csrf), ("purpose", "follow_up")],
            )
            .await?;
        assert_eq!(page.status, 200, "record {id}");
        pages.push((format!("/records/{id}"), page.body));
    }
    let protocol = eva.protocol(&inspection).await?;
    assert_eq!(protocol.status, 200);
    pages.push((
        format!("/records/{inspection}/protocol (opened)"),
        protocol.body,
    ));
    pages.push(("/access-log".into(), eva.get("/access-log").await?.body));

    let forbidden = forbidden();
    // The check can fail: the words it looks for are there to be found,
    // and the pages show the domain's values (in Swedish).
    for word in [
        "Remark",
        "not_checked",
        "supervision_case",
        "high risk",
        "School visit",
    ] {
        assert!(forbidden.iter().any(|w| w == word), "{word} is not checked");
    }
    let shown = |path: &str, words: &[&str]| {
        let (_, body) = pages
            .iter()
            .find(|(p, _)| p.starts_with(path))
            .expect("page");
        for w in words {
            assert!(visible_text(body).contains(w), "{path} lacks {w:?}");
        }
    };
    shown("/follow-up", &["Anmärkning", "hög risk"]);
    shown(
        &format!("/records/{inspection}/protocol (opened)"),
        &["Personalliggare förs", "från polisen"],
    );
    let mut found = Vec::new();
    for (path, body) in &pages {
        assert!(body.contains("<html lang=\"sv\">"), "{path} is not Swedish");
        let text = visible_text(body);
        for word in &forbidden {
            if let Some(at) = find_word(&text, word) {
                let from = text[..at]
                    .char_indices()
                    .rev()
                    .nth(40)
                    .map_or(0, |(i, _)| i);
                let to = (at + word.len() + 40).min(text.len());
                let to = (to..=text.len())
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(text.len());
                found.push(format!("{path}: {word:?} in “{}”", text[from..to].trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "English or raw keys on Swedish pages:\n{}",
        found.join("\n")
    );
    server.stop().await;
    Ok(())
}

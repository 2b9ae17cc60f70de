//! Every string of the app, in Swedish (the default) and English, from one
//! catalogue. Keys are an enum, so a missing translation does not compile.

use crate::sync_client::SyncProblem;
/// The languages: the domain's catalogue's (`shared::vocabulary`), so that
/// the app and the pages speak of the domain in the same words.
pub use shared::vocabulary::Lang;
use shared::vocabulary::Words;

/// A domain value (a checklist item, an answer, a risk, a problem...) in
/// the user's language, from the one catalogue the pages use too.
pub fn say(lang: Lang, value: &dyn Words) -> String {
    value.words(lang).into_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T {
    AppName,
    EnrolTitle,
    EnrolIntro,
    ServerAddress,
    EnrolmentCode,
    DeviceName,
    EnrolButton,
    Enrolling,
    EnrolledAs,
    StartVisit,
    StartInspection,
    OtherActivity,
    MyRecords,
    Settings,
    Back,
    TodaysPlan,
    NoPlan,
    Visits,
    Minutes,
    Synced,
    NeverSynced,
    LastContact,
    Syncing,
    PickHotspot,
    PickVenue,
    PatrolVisit,
    Inspection,
    Activity,
    Started,
    Ended,
    EndVisit,
    VisitEnded,
    MarkTen,
    MarkFifteen,
    BeforeTen,
    InWindow,
    PastFifteen,
    Contacts,
    Interventions,
    Officers,
    SafetyProblems,
    Notes,
    NotesReminder,
    Venue,
    Participants,
    AddParticipant,
    Checklist,
    Comment,
    Findings,
    ProposedFollowUp,
    ReadBack,
    ReadBackIntro,
    EndInspection,
    Initiative,
    Date,
    Kind,
    PeopleReached,
    Save,
    All,
    History,
    You,
    Coordinator,
    UnknownAuthor,
    SyncState,
    Waiting,
    Refused,
    Language,
    Theme,
    ThemeLight,
    ThemeDark,
    ThemeSystem,
    SyncNow,
    SignOut,
    Problems,
    Nothing,
    ReferenceMissing,
    LastInspected,
    NoInspectionHere,
    InspectionDue,
    OpenFollowUp,
    EnrolUnreachable,
    EnrolLinkHint,
    WaitingToSync,
    Today,
    Yesterday,
    DateFormat,
    SyncFirst,
    WipeAnyway,
    Wipe,
    SyncStarted,
    SyncDone,
    SyncFailed,
    PlanExplained,
    Of,
    Discard,
    DiscardConfirm,
    DiscardYes,
    Cancel,
    DiscardedNote,
    DraftNote,
    EndAnyway,
    KeepGoing,
    OngoingVisit,
    OpenVisit,
    AcknowledgeReadBack,
    ReadBackAt,
    RemarkNeedsComment,
    Inspectors,
    Remarks,
    NoRemarks,
    OtherItems,
    CorrectTimes,
    StartTime,
    EndTime,
    Understood,
    RecordsHidden,
    ConflictKeep,
    ConflictDrop,
}

pub fn t(lang: Lang, key: T) -> &'static str {
    let (sv, en) = match key {
        T::AppName => ("Trygghetslogg", "Trygghetslogg"),
        T::EnrolTitle => ("Koppla telefonen", "Enrol this phone"),
        T::EnrolIntro => ("Ange serverns adress och engångskoden från samordnaren.", "Enter the server address and the one-time code from the coordinator."),
        T::ServerAddress => ("Serveradress", "Server address"),
        T::EnrolmentCode => ("Engångskod", "One-time code"),
        T::DeviceName => ("Telefonens namn", "Name of this phone"),
        T::EnrolButton => ("Koppla", "Enrol"),
        T::Enrolling => ("Kopplar …", "Enrolling …"),
        T::EnrolledAs => ("Inloggad som", "Enrolled as"),
        T::StartVisit => ("Starta platsbesök", "Start patrol visit"),
        T::StartInspection => ("Tillsynsbesök", "Licensing inspection"),
        T::OtherActivity => ("Annan aktivitet", "Other activity"),
        T::MyRecords => ("Mina registreringar", "My records"),
        T::Settings => ("Inställningar", "Settings"),
        T::Back => ("Tillbaka", "Back"),
        T::TodaysPlan => ("Dagens platser", "Today's hotspots"),
        T::NoPlan => ("Inga platser att besöka i dag.", "No hotspots to visit today."),
        T::Visits => ("besök", "visits"),
        T::Minutes => ("min", "min"),
        T::Synced => ("Allt synkat", "All synced"),
        T::NeverSynced => ("Inte synkat än", "Not synced yet"),
        T::LastContact => ("Senaste kontakt", "Last contact"),
        T::Syncing => ("Synkar …", "Syncing …"),
        T::PickHotspot => ("Välj plats", "Choose hotspot"),
        T::PickVenue => ("Välj serveringsställe", "Choose venue"),
        T::PatrolVisit => ("Platsbesök", "Patrol visit"),
        T::Inspection => ("Tillsyn", "Inspection"),
        T::Activity => ("Aktivitet", "Activity"),
        T::Started => ("Start", "Started"),
        T::Ended => ("Slut", "Ended"),
        T::EndVisit => ("Avsluta besök", "End visit"),
        T::VisitEnded => ("Besöket är avslutat", "The visit has ended"),
        T::MarkTen => ("10 min", "10 min"),
        T::MarkFifteen => ("15 min", "15 min"),
        T::BeforeTen => ("Stanna minst 10 minuter", "Stay at least 10 minutes"),
        T::InWindow => ("Bra – 10–15 minuter ger bäst effekt", "Good – 10–15 minutes work best"),
        T::PastFifteen => ("Över 15 minuter – dags att gå vidare", "Over 15 minutes – time to move on"),
        T::Contacts => ("Kontakter", "Contacts"),
        T::Interventions => ("Ingripanden", "Interventions"),
        T::Officers => ("Antal poliser", "Officers"),
        T::SafetyProblems => ("Trygghetsproblem", "Safety problems"),
        T::Notes => ("Anteckningar", "Notes"),
        T::NotesReminder => ("Skriv inga namn eller personnummer här.", "No names or personal identity numbers here."),
        T::Venue => ("Serveringsställe", "Venue"),
        T::Participants => ("Deltagare", "Participants"),
        T::AddParticipant => ("Lägg till deltagare", "Add participant"),
        T::Checklist => ("Kontrollpunkter", "Checklist"),
        T::Comment => ("Kommentar", "Comment"),
        T::Findings => ("Iakttagelser", "Findings"),
        T::ProposedFollowUp => ("Föreslagen uppföljning", "Proposed follow-up"),
        T::ReadBack => ("Sammanfattning", "Read-back summary"),
        T::ReadBackIntro => ("Gå igenom med serveringsansvarig på plats. En anmärkning är ingen sanktion; kommunen beslutar.", "Go through this with the responsible manager on site. A remark is not a sanction; the municipality decides."),
        T::EndInspection => ("Avsluta tillsyn", "End inspection"),
        T::Initiative => ("Insats", "Initiative"),
        T::Date => ("Datum", "Date"),
        T::Kind => ("Typ", "Kind"),
        T::PeopleReached => ("Antal nådda personer", "People reached"),
        T::Save => ("Klar", "Done"),
        T::All => ("Alla", "All"),
        T::History => ("Ändringshistorik", "Edit history"),
        T::You => ("du", "you"),
        T::Coordinator => ("samordnare", "coordinator"),
        T::UnknownAuthor => ("okänd enhet", "unknown device"),
        T::SyncState => ("Synk", "Sync"),
        T::Waiting => ("väntar", "waiting"),
        T::Refused => ("Avvisad av servern", "Refused by the server"),
        T::Language => ("Språk", "Language"),
        T::Theme => ("Tema", "Theme"),
        T::ThemeLight => ("Ljust", "Light"),
        T::ThemeDark => ("Mörkt", "Dark"),
        T::ThemeSystem => ("Följ systemet", "Follow system"),
        T::SyncNow => ("Synka nu", "Sync now"),
        T::SignOut => ("Logga ut och radera lokala data", "Sign out and wipe local data"),
        T::Problems => ("Att rätta", "To correct"),
        T::Nothing => ("Inget att visa", "Nothing to show"),
        T::ReferenceMissing => ("Referensdata saknas – synka när nätet finns.", "Reference data missing – sync when online."),
        T::LastInspected => ("Senaste tillsyn", "Last inspected"),
        T::NoInspectionHere => ("Ingen tillsyn registrerad", "No inspection recorded"),
        T::InspectionDue => ("tillsyn behövs", "inspection due"),
        T::OpenFollowUp => ("Öppen uppföljning", "Open follow-up"),
        T::EnrolUnreachable => ("Ingen kontakt med servern på den adressen. Kontrollera adressen (fråga samordnaren) och att telefonen har nät, och försök igen.", "No contact with a server at that address. Check the address (ask the coordinator) and that the phone is online, then try again."),
        T::EnrolLinkHint => ("Har du fått en kopplingslänk? Klistra in den i ett av fälten så fylls båda i.", "Got an enrolment link? Paste it into either field and both are filled in."),
        T::WaitingToSync => ("Väntar på att skickas", "Waiting to be sent"),
        T::Today => ("I dag", "Today"),
        T::Yesterday => ("I går", "Yesterday"),
        T::DateFormat => ("ÅÅÅÅ-MM-DD", "YYYY-MM-DD"),
        T::SyncFirst => ("Synka först", "Sync first"),
        T::WipeAnyway => ("Radera ändå", "Wipe anyway"),
        T::Wipe => ("Radera", "Wipe"),
        T::SyncStarted => ("Synkar …", "Syncing …"),
        T::SyncDone => ("Klart – allt synkat", "Done – all synced"),
        T::SyncFailed => ("Synken misslyckades", "The sync failed"),
        T::PlanExplained => ("Besök och minuter i dag mot dagens mål (veckans ordination delad på sju). Tryck på en plats för att starta ett besök där.", "Visits and minutes today against today's target (the weekly prescription over seven days). Tap a hotspot to start a visit there."),
        T::Of => ("av", "of"),
        T::Discard => ("Makulera registreringen", "Discard this record"),
        T::DiscardConfirm => ("Makulera? Registreringen räknas då inte någonstans och syns som makulerad för samordnaren; historiken finns kvar.", "Discard? The record then counts nowhere and coordinators see it as discarded; its history is kept."),
        T::DiscardYes => ("Ja, makulera", "Yes, discard"),
        T::Cancel => ("Avbryt", "Cancel"),
        T::DiscardedNote => ("Makulerad – räknas inte", "Discarded – does not count"),
        T::DraftNote => ("Utkast – räknas när det är klart", "Draft – counts once finished"),
        T::EndAnyway => ("Avsluta ändå", "End anyway"),
        T::KeepGoing => ("Fortsätt besöket", "Keep the visit going"),
        T::OngoingVisit => ("Pågående besök", "Visit under way"),
        T::OpenVisit => ("Öppna", "Open"),
        T::AcknowledgeReadBack => ("Genomgånget med serveringsansvarig", "Gone through with the responsible manager"),
        T::ReadBackAt => ("Genomgånget", "Gone through"),
        T::RemarkNeedsComment => ("Skriv vad anmärkningen gäller.", "Write what the remark is about."),
        T::Inspectors => ("Inspektörer", "Inspectors"),
        T::Remarks => ("Anmärkningar", "Remarks"),
        T::NoRemarks => ("Inga anmärkningar.", "No remarks."),
        T::OtherItems => ("Övriga kontrollpunkter", "Other checklist items"),
        T::CorrectTimes => ("Rätta tiderna", "Correct the times"),
        T::StartTime => ("Starttid", "Start time"),
        T::EndTime => ("Sluttid", "End time"),
        T::Understood => ("Uppfattat", "Understood"),
        T::RecordsHidden => ("Registreringarna visas inte", "Records are not shown"),
        T::ConflictKeep => ("Skriv in min text igen", "Write my text again"),
        T::ConflictDrop => ("Släng min text", "Throw my text away"),
    };
    match lang {
        Lang::Sv => sv,
        Lang::En => en,
    }
}

/// "Besöket har pågått 4 min; minst 10 ger effekt. Avsluta?"
pub fn end_early(lang: Lang, minutes: i64) -> String {
    match lang {
        Lang::Sv => format!("Besöket har pågått {minutes} min; minst 10 minuter ger effekt. Avsluta nu?"),
        Lang::En => format!("The visit has lasted {minutes} min; at least 10 minutes make a difference. End it now?"),
    }
}

/// "3 registreringar väntar" / "3 records waiting": records, not taps.
pub fn waiting_changes(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Sv => format!(
            "{n} {} väntar",
            if n == 1 {
                "registrering"
            } else {
                "registreringar"
            }
        ),
        Lang::En => format!("{n} {} waiting", if n == 1 { "record" } else { "records" }),
    }
}

/// Why records disappeared: the coordinators erased them (at the end of
/// their retention, on request, or as made by mistake).
pub fn erased_notice(lang: Lang, n: u64) -> String {
    match (lang, n) {
        (Lang::Sv, 1) => "1 registrering har raderats av samordnarna (gallring, begäran eller felregistrering) och finns inte längre på telefonen.".into(),
        (Lang::Sv, n) => format!("{n} registreringar har raderats av samordnarna (gallring, begäran eller felregistrering) och finns inte längre på telefonen."),
        (Lang::En, 1) => "1 record was erased by the coordinators (retention, a request or a mistake) and is no longer on this phone.".into(),
        (Lang::En, n) => format!("{n} records were erased by the coordinators (retention, a request or a mistake) and are no longer on this phone."),
    }
}

/// A field the coordinators redacted, in words: "Anteckningar",
/// "ID-kontroll: kommentar".
pub fn redacted_field(lang: Lang, path: &str) -> String {
    use shared::redaction::Field;
    match Field::parse(path) {
        Some(Field::Notes) => t(lang, T::Notes).into(),
        Some(Field::Findings) => t(lang, T::Findings).into(),
        Some(Field::Comment(item)) => {
            format!(
                "{}: {}",
                say(lang, &item),
                t(lang, T::Comment).to_lowercase()
            )
        }
        None => path.to_string(),
    }
}

/// Why an edit of the officer's was not saved in a record: the
/// coordinators redacted the field meanwhile.
pub fn conflict_notice(lang: Lang, field: &str, record: &str) -> String {
    match lang {
        Lang::Sv => format!("Samordnarna har tagit bort text ur fältet {field} i {record} medan du ändrade det utan täckning. Din text sparades därför inte i registreringen. Du bestämmer om den ska skrivas in igen:"),
        Lang::En => format!("The coordinators removed text from the field {field} of {record} while you changed it without coverage, so your text was not saved in the record. You decide whether to write it again:"),
    }
}

/// The warning before wiping: how many records would be lost.
pub fn unsent_warning(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Sv, 0) => "Allt är skickat till servern. Radera allt på telefonen?".into(),
        (Lang::En, 0) => "Everything has reached the server. Wipe everything on this phone?".into(),
        (Lang::Sv, 1) => {
            "1 registrering har inte nått servern och försvinner om du raderar nu.".into()
        }
        (Lang::Sv, n) => {
            format!("{n} registreringar har inte nått servern och försvinner om du raderar nu.")
        }
        (Lang::En, 1) => "1 record has not reached the server and is lost if you wipe now.".into(),
        (Lang::En, n) => {
            format!("{n} records have not reached the server and are lost if you wipe now.")
        }
    }
}

/// A record's field, by its name in the schema (validation problems and
/// edit notes name fields this way).
pub fn field_label(lang: Lang, field: &str) -> &'static str {
    shared::vocabulary::field(lang, field)
}

/// What an edit-history line says was changed, from the note the edit was
/// committed with (a field name or a checklist item).
pub fn change_label(lang: Lang, note: Option<&str>) -> &'static str {
    field_label(lang, note.unwrap_or("created"))
}

/// Why the last sync (or the enrolment) failed, in plain words, from the
/// typed [`SyncProblem`]; a server's refusal in the catalogue's words for
/// its code.
/// Why the server refused a record, in the officer's language: the
/// validation errors it listed, or else the refusal's code in words (the
/// server's message is English, for logs and coordinators).
pub fn refusal(lang: Lang, code: &str, problems: &[shared::sync::wire::WireProblem]) -> String {
    if !problems.is_empty() {
        return problems
            .iter()
            .map(|p| say(lang, p))
            .collect::<Vec<_>>()
            .join("; ");
    }
    match shared::sync::wire::RejectCode::parse(code) {
        Some(c) => say(lang, &c),
        None => t(lang, T::Refused).to_string(),
    }
}

pub fn sync_problem(lang: Lang, problem: &SyncProblem) -> String {
    let sv = lang == Lang::Sv;
    let pick = |a: &str, b: &str| if sv { a.to_string() } else { b.to_string() };
    match problem {
        SyncProblem::Unreachable => pick(
            "Ingen kontakt med servern – allt sparas på telefonen och skickas senare.",
            "No contact with the server – everything is kept on the phone and sent later.",
        ),
        SyncProblem::Revoked => pick(
            "Telefonen är spärrad av samordnarna – registreringarna raderas när appen startas nästa gång.",
            "This phone was revoked by the coordinators – its records are wiped when the app next starts.",
        ),
        SyncProblem::Unauthorized => pick(
            "Telefonen är inte längre godkänd av servern – kontakta samordnaren.",
            "This phone is no longer accepted by the server – contact the coordinator.",
        ),
        SyncProblem::Refused { code: Some(code) } => {
            let why = say(lang, code);
            if sv {
                format!("Servern sa nej: {why}.")
            } else {
                format!("The server said no: {why}.")
            }
        }
        SyncProblem::Refused { code: None } => pick(
            "Servern sa nej – allt finns kvar på telefonen; uppdatera appen.",
            "The server said no – everything is kept on the phone; update the app.",
        ),
        SyncProblem::Server { .. } => pick(
            "Fel på servern – nytt försök görs automatiskt.",
            "The server has a problem – it will be tried again automatically.",
        ),
        SyncProblem::BadResponse => pick(
            "Serverns svar gick inte att läsa – nytt försök görs automatiskt.",
            "The server's answer could not be read – it will be tried again automatically.",
        ),
        SyncProblem::BadAddress => pick(
            "Serveradressen ska börja med https:// (eller http://).",
            "The server address should start with https:// (or http://).",
        ),
        SyncProblem::CodeMissing => pick(
            "Skriv engångskoden från samordnaren.",
            "Type the one-time code from the coordinator.",
        ),
        SyncProblem::BadEnrolmentCode => pick(
            "Engångskoden är okänd, redan använd eller för gammal – be samordnaren om en ny.",
            "The one-time code is unknown, used or expired – ask the coordinator for a new one.",
        ),
        SyncProblem::StorageFull => pick(
            "Telefonens lagring är full – frigör utrymme. Det som redan sparats finns kvar.",
            "The phone's storage is full – free some space. What was saved is still there.",
        ),
        SyncProblem::Storage => pick(
            "Telefonens databas kan inte skrivas just nu. Det som redan sparats finns kvar.",
            "The phone's database cannot be written right now. What was saved is still there.",
        ),
    }
}

/// Why an edit could not be written, in words; `None` is a store that
/// cannot be reached at all (its lock was poisoned by a crash).
pub fn store_problem(lang: Lang, e: Option<&crate::store::StoreError>) -> String {
    use crate::store::StoreError;
    let sv = lang == Lang::Sv;
    match e {
        Some(StoreError::DiskFull) => if sv {
            "Telefonens lagring är full – frigör utrymme. Det som redan sparats finns kvar."
        } else {
            "The phone's storage is full – free some space. What was saved is still there."
        }
        .into(),
        Some(StoreError::Io(_)) => if sv {
            "Telefonens databas kan inte skrivas just nu. Det som redan sparats finns kvar."
        } else {
            "The phone's database cannot be written right now. What was saved is still there."
        }
        .into(),
        None => if sv {
            "Telefonens databas svarar inte – starta om appen."
        } else {
            "The phone's database does not answer – restart the app."
        }
        .into(),
        Some(other) => {
            if sv {
                format!("Kunde inte spara: {other}")
            } else {
                format!("Could not save: {other}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_is_the_default_and_both_languages_differ_where_they_should() {
        assert_eq!(Lang::default(), Lang::Sv);
        assert_eq!(t(Lang::Sv, T::StartVisit), "Starta platsbesök");
        assert_eq!(t(Lang::En, T::StartVisit), "Start patrol visit");
        assert_eq!(waiting_changes(Lang::Sv, 1), "1 registrering väntar");
        assert_eq!(waiting_changes(Lang::En, 3), "3 records waiting");
        assert!(unsent_warning(Lang::Sv, 2).starts_with("2 registreringar har inte nått servern"));
        assert!(unsent_warning(Lang::Sv, 0).starts_with("Allt är skickat"));
    }

    #[test]
    fn a_refusal_is_worded_from_its_problems_or_its_code_never_the_english_message() {
        use shared::sync::wire::WireProblem;
        use shared::validation::ProblemKind;
        let problems = vec![WireProblem {
            field: "started_at".into(),
            kind: ProblemKind::InFuture,
        }];
        let sv = refusal(Lang::Sv, "invalid", &problems);
        assert!(sv.starts_with("Start"), "{sv}");
        assert!(!sv.contains("future"), "{sv}");
        assert_ne!(sv, refusal(Lang::En, "invalid", &problems));
        assert_eq!(
            refusal(Lang::Sv, "not_permitted", &[]),
            say(Lang::Sv, &shared::sync::wire::RejectCode::NotPermitted)
        );
        assert_eq!(
            refusal(Lang::Sv, "a_future_code", &[]),
            t(Lang::Sv, T::Refused)
        );
    }
}

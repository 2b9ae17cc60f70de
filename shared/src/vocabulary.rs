//! The domain's words in Swedish and English: one catalogue, keyed by the
//! enums, used by the app's screens and the coordinators' pages alike.
//! Every match here is exhaustive, so a new checklist item, answer, kind or
//! problem cannot reach a person without its words in both languages.
//!
//! Screen furniture (button texts, headings) stays with each shell (the
//! app's `ui::i18n`, the pages' `web::lang`); what the domain *is* lives
//! here once.

use std::borrow::Cow;

use crate::domain::{
    ActivityKind, Answer, ChecklistItem, Counts, FollowUp, Organisation, Owner, RiskLevel,
    SafetyProblem, TargetPeriod,
};
use crate::record::DocKind;
use crate::sync::wire::RejectCode;
use crate::sync::ErrorCode;
use crate::validation::{Problem, ProblemKind};

/// The languages the product speaks. Swedish first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    #[default]
    Sv,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Sv, Lang::En];

    /// The BCP 47 tag (`lang` attribute, `Content-Language`, settings).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// A stored tag back; anything but `en` is Swedish, the default.
    pub fn from_tag(s: &str) -> Lang {
        if s == "en" {
            Lang::En
        } else {
            Lang::Sv
        }
    }

    fn pick(self, sv: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Sv => sv,
            Lang::En => en,
        }
    }
}

/// A domain value a person reads: its words in a language.
pub trait Words {
    fn words(&self, lang: Lang) -> Cow<'static, str>;
}

/// For the many values whose words are fixed.
macro_rules! fixed_words {
    ($ty:ty, |$v:ident| $body:expr) => {
        impl Words for $ty {
            fn words(&self, lang: Lang) -> Cow<'static, str> {
                let $v = *self;
                let (sv, en): (&'static str, &'static str) = $body;
                Cow::Borrowed(lang.pick(sv, en))
            }
        }
    };
}

fixed_words!(ChecklistItem, |item| match item {
    ChecklistItem::ResponsibleManagerPresent => (
        "Serveringsansvarig på plats",
        "A registered responsible manager is present"
    ),
    ChecklistItem::NoServingToMinors => (
        "Ingen servering till minderåriga (legitimationskontroll)",
        "No serving to anyone under 18 (ID checks)"
    ),
    ChecklistItem::NoServingToIntoxicated => (
        "Ingen servering till märkbart påverkade",
        "No serving to visibly intoxicated guests"
    ),
    ChecklistItem::OrderAndSobriety => (
        "Ordning och nykterhet inne och ute",
        "Order and sobriety inside and outside"
    ),
    ChecklistItem::FoodAvailable => (
        "Lagad mat under serveringstiden",
        "Cooked food available during serving hours"
    ),
    ChecklistItem::ServingHoursKept => ("Serveringstiden hålls", "Serving hours kept"),
    ChecklistItem::OutdoorAreaDelimited =>
        ("Uteserveringen avgränsad", "Outdoor serving area delimited"),
    ChecklistItem::MarketingAndPricing => {
        ("Marknadsföring och prissättning", "Marketing and pricing")
    }
    ChecklistItem::StaffRegister => ("Personalliggare förs", "Staff register kept"),
    ChecklistItem::SecurityStaff => (
        "Ordningsvakter där tillståndet kräver",
        "Licensed security staff where the licence requires"
    ),
});

fixed_words!(Answer, |a| match a {
    Answer::Fine => ("OK", "Fine"),
    Answer::Remark => ("Anmärkning", "Remark"),
    Answer::NotChecked => ("Ej kontrollerat", "Not checked"),
});

fixed_words!(crate::lifecycle::RecordState, |s| match s {
    crate::lifecycle::RecordState::Draft =>
        ("Utkast (räknas inte än)", "Draft (does not count yet)"),
    crate::lifecycle::RecordState::Finished => ("Klar", "Finished"),
    crate::lifecycle::RecordState::Discarded =>
        ("Makulerad (räknas inte)", "Discarded (does not count)"),
});

fixed_words!(RiskLevel, |r| match r {
    RiskLevel::High => ("hög risk", "high risk"),
    RiskLevel::Medium => ("medelrisk", "medium risk"),
    RiskLevel::Low => ("låg risk", "low risk"),
});

fixed_words!(FollowUp, |f| match f {
    FollowUp::None => ("Ingen", "None"),
    FollowUp::Revisit => ("Återbesök", "Revisit"),
    FollowUp::SupervisionCase => ("Tillsynsärende", "Supervision case"),
});

fixed_words!(Owner, |o| match o {
    Owner::Police => ("Polisen", "The police"),
    Owner::Municipality => ("Kommunen", "The municipality"),
    Owner::Joint => ("Gemensamt", "Joint"),
});

fixed_words!(Organisation, |o| match o {
    Organisation::Police => ("Polisen", "Police"),
    Organisation::Municipality => ("Kommunen", "Municipality"),
});

fixed_words!(Counts, |c| match c {
    Counts::PatrolVisits => ("platsbesök", "patrol visits"),
    Counts::Inspections => ("tillsynsbesök", "inspections"),
    Counts::Activities => ("aktiviteter", "activities"),
});

fixed_words!(TargetPeriod, |p| match p {
    TargetPeriod::Year => ("per år", "per year"),
    TargetPeriod::Tertial => ("per tertial", "per tertial"),
    TargetPeriod::Quarter => ("per kvartal", "per quarter"),
    TargetPeriod::Plan => ("under löftesperioden", "over the plan's period"),
});

fixed_words!(ActivityKind, |k| match k {
    ActivityKind::SchoolVisit => ("Skolbesök", "School visit"),
    ActivityKind::InformationMeeting => ("Informationsmöte", "Information meeting"),
    ActivityKind::ThemedEvening => ("Temakväll", "Themed evening"),
    ActivityKind::Enforcement => ("Tillslag eller kontroll", "Enforcement"),
    ActivityKind::Outreach => ("Uppsökande arbete", "Outreach"),
    ActivityKind::Other => ("Övrigt", "Other"),
});

fixed_words!(SafetyProblem, |p| match p {
    SafetyProblem::PoorLighting => ("Dålig belysning", "Poor lighting"),
    SafetyProblem::Disorder => ("Oordning", "Disorder"),
    SafetyProblem::Littering => ("Nedskräpning", "Littering"),
    SafetyProblem::Vandalism => ("Skadegörelse", "Vandalism"),
    SafetyProblem::DrugActivity => ("Narkotika", "Drug activity"),
    SafetyProblem::Intoxication => ("Berusning", "Intoxication"),
    SafetyProblem::GatheringOfYouth => ("Ungdomssamling", "Youth gathering"),
    SafetyProblem::TrafficHazard => ("Trafikfara", "Traffic hazard"),
});

fixed_words!(DocKind, |k| match k {
    DocKind::Hotspot => ("Plats", "Hotspot"),
    DocKind::Venue => ("Serveringsställe", "Venue"),
    DocKind::PromisePlan => ("Medborgarlöfte", "Promise plan"),
    DocKind::Directory => (
        "Förteckning över poliser och kommunens personal",
        "Directory"
    ),
    DocKind::PatrolVisit => ("Platsbesök", "Patrol visit"),
    DocKind::Inspection => ("Tillsynsbesök", "Inspection"),
    DocKind::Activity => ("Aktivitet", "Activity"),
});

fixed_words!(RejectCode, |c| {
    match c {
    RejectCode::MalformedChange => (
        "en ändring skadades på vägen; den skickas igen",
        "a change was damaged on the way; it is sent again"
    ),
    RejectCode::ForeignActor => (
        "en ändring är gjord av en annan enhet",
        "a change was made by another device"
    ),
    RejectCode::ReferenceReadOnly => (
        "platser, serveringsställen, medborgarlöftet och förteckningen ändras bara av samordnarna",
        "hotspots, venues, the plan and the directory are changed by the coordinators only"
    ),
    RejectCode::NotPermitted => (
        "bara den som skapade registreringen och deltagarna får ändra den",
        "only the officer who made the record and its participants may change it"
    ),
    RejectCode::KindChanged => (
        "en registrering kan inte byta slag",
        "a record cannot change its kind"
    ),
    RejectCode::Schema => (
        "registreringen har ett format som servern inte känner igen; uppdatera appen",
        "the record has a format the server does not know; update the app"
    ),
    RejectCode::Invalid => (
        "registreringen behöver rättas",
        "the record needs correcting"
    ),
    RejectCode::Incomplete => (
        "väntar på ändringar som servern inte har fått än; skickas igen",
        "waits for changes the server has not received yet; sent again"
    ),
    RejectCode::QuotaExceeded => (
        "servern tar inte emot fler väntande ändringar från telefonen just nu; skickas igen senare",
        "the server takes no more waiting changes from this phone now; sent again later"
    ),
    RejectCode::Erased => (
        "registreringen har raderats av samordnarna och tas bort från telefonen",
        "the record was erased by the coordinators and is removed from this phone"
    ),
    RejectCode::Redacted => (
        "samordnarna har tagit bort text ur registreringen; telefonen hämtar den nya versionen och skickar dina ändringar igen",
        "the coordinators removed text from the record; the phone takes the new version and sends your edits again"
    ),
}
});

fixed_words!(crate::roles::Role, |r| match r {
    crate::roles::Role::Coordinator => ("kommunens samordnare", "municipal coordinator"),
    crate::roles::Role::AreaCoordinator => (
        "lokalpolisområdets samordnare (kommunpolis)",
        "police-area coordinator (kommunpolis)"
    ),
    crate::roles::Role::CouncilMember => ("ledamot i brottsförebyggande rådet", "council member"),
    crate::roles::Role::Administrator => ("administratör", "administrator"),
});

fixed_words!(crate::redaction::RedactionReason, |r| match r {
    crate::redaction::RedactionReason::PersonalData => (
        "personuppgift som inte hör hemma i registreringen",
        "personal data that does not belong in the record"
    ),
    crate::redaction::RedactionReason::Request => (
        "begäran från den registrerade eller den personuppgiftsansvarige",
        "request from the person concerned or the data controller"
    ),
});

fixed_words!(crate::erasure::ErasureReason, |r| match r {
    crate::erasure::ErasureReason::RetentionEnded => (
        "gallring: bevarandetiden har gått ut",
        "retention period ended"
    ),
    crate::erasure::ErasureReason::EnteredByMistake => (
        "felregistrerad (ska aldrig ha funnits)",
        "entered by mistake (should never have existed)"
    ),
    crate::erasure::ErasureReason::Request => ("begäran om radering", "erasure requested"),
});

fixed_words!(ErrorCode, |c| {
    match c {
    ErrorCode::BadBody => (
        "det som skickades gick inte att läsa",
        "what was sent could not be read"
    ),
    ErrorCode::BadDigest => (
        "det som skickades skadades på vägen; det skickas igen",
        "what was sent was damaged on the way; it is sent again"
    ),
    ErrorCode::UnsupportedVersion => (
        "appen och servern talar olika versioner; uppdatera appen",
        "the app and the server speak different versions; update the app"
    ),
    ErrorCode::BadEncoding | ErrorCode::UnsupportedEncoding => (
        "det som skickades var felaktigt packat",
        "what was sent was packed wrongly"
    ),
    ErrorCode::BadDocId | ErrorCode::BadCursor => (
        "det som skickades hade ett felaktigt id",
        "what was sent had a malformed id"
    ),
    ErrorCode::TooManyDocs | ErrorCode::TooManyChanges | ErrorCode::TooLarge => (
        "det som skickades är för stort; det skickas i mindre delar",
        "what was sent is too large; it is sent in smaller parts"
    ),
    ErrorCode::Revoked => (
        "telefonen är spärrad av samordnarna; registreringarna raderas från den",
        "this phone was revoked by the coordinators; its records are wiped from it"
    ),
    ErrorCode::Unauthorized => (
        "telefonen är inte längre godkänd av servern; kontakta samordnaren",
        "this phone is no longer accepted by the server; contact the coordinator"
    ),
    ErrorCode::BadEnrolmentCode => (
        "engångskoden är okänd, redan använd eller för gammal; be samordnaren om en ny",
        "the one-time code is unknown, used or expired; ask the coordinator for a new one"
    ),
    ErrorCode::BadDeviceName => (
        "telefonens namn ska vara 1 till 100 tecken",
        "the phone's name must be 1 to 100 characters"
    ),
    ErrorCode::NotFound => (
        "det finns inget här; länken kan vara gammal",
        "there is nothing here; the link may be old"
    ),
    ErrorCode::Forbidden => (
        "formuläret är inaktuellt eller skickades inte från den här webbplatsen; ladda om sidan och försök igen",
        "the form is stale or was not sent from this site; reload the page and try again"
    ),
    ErrorCode::Unavailable => (
        "servern kan inte spara just nu; inget ändrades, försök igen om en stund",
        "the server cannot store anything now; nothing was changed, try again shortly"
    ),
    ErrorCode::TooManyRequests => (
        "för många försök från den här adressen; vänta en stund och försök igen",
        "too many attempts from this address; wait a moment and try again"
    ),
    ErrorCode::Internal => (
        "servern misslyckades; inget ändrades",
        "the server failed; nothing was changed"
    ),
    ErrorCode::Invalid => ("uppgifterna behöver rättas", "the data needs correcting"),
    ErrorCode::BadCoordinator => (
        "samordnaren finns inte eller har fel uppgifter",
        "the coordinator does not exist or has wrong details"
    ),
    ErrorCode::BadName => (
        "namnet ska vara 1 till 200 tecken",
        "the name must be 1 to 200 characters"
    ),
    ErrorCode::BadOrganisation => ("välj polisen eller kommunen", "choose the police or the municipality"),
    ErrorCode::OtherMunicipality => (
        "polisen arbetar i en annan kommun; deras egen samordnare registrerar deras telefon",
        "that officer works in another municipality: their own coordinator enrols their phone"
    ),
    ErrorCode::BadForm => (
        "uppladdningen kunde inte läsas; försök igen",
        "the upload could not be read; try again"
    ),
    ErrorCode::NoFile => ("välj en CSV-fil att importera", "choose a CSV file to import"),
    ErrorCode::NoPlan => (
        "medborgarlöftet har ingen patrullinsats som platserna kan räknas mot",
        "the promise plan has no patrol initiative for hotspots to count toward"
    ),
    ErrorCode::BadPeriod => (
        "perioden finns inte: skriv 2026-K3 (kvartal), 2026-T2 (tertial) eller 2026 (år)",
        "that is not a period: write 2026-Q3 (quarter), 2026-T2 (tertial) or 2026 (year)"
    ),
    ErrorCode::BadPurpose => (
        "välj varför du öppnar registreringen",
        "choose why you open the record"
    ),
    ErrorCode::BadCaseNumber => (
        "ärendenumret får ha högst 40 tecken (bokstäver, siffror, - / . :) och inget personnummer",
        "a case number has at most 40 characters (letters, digits, - / . :) and no personal identity number"
    ),
    ErrorCode::TooLong => ("texten är för lång; korta den", "the text is too long; shorten it"),
}
});

fixed_words!(crate::sign_in::SecurityEvent, |e| {
    use crate::sign_in::SecurityEvent;
    match e {
        SecurityEvent::SignedIn => ("inloggad", "signed in"),
        SecurityEvent::SignInFailed => ("misslyckad inloggning", "failed sign-in"),
        SecurityEvent::SignInDelayed => (
            "inloggning avvisad: för många misslyckade försök, måste vänta",
            "sign-in refused: too many failures, must wait",
        ),
        SecurityEvent::SignedOut => ("utloggad", "signed out"),
        SecurityEvent::SessionEnded => (
            "äldre inloggning avslutad (för många samtidiga)",
            "older session ended (too many at once)",
        ),
        SecurityEvent::SecondFactorFailed => (
            "fel eller redan använd engångskod",
            "wrong or reused one-time code",
        ),
        SecurityEvent::SecondFactorLocked => (
            "inloggningen avbröts efter för många fel koder",
            "sign-in ended after too many wrong codes",
        ),
        SecurityEvent::SecondFactorSetUp => (
            "autentiseringsapp kopplad, nya reservkoder",
            "authenticator app set up, new recovery codes",
        ),
        SecurityEvent::RecoveryCodeUsed => ("reservkod använd", "recovery code used"),
        SecurityEvent::AccountCreated => ("konto skapat", "account created"),
        SecurityEvent::RolesChanged => ("roller ändrade", "roles changed"),
        SecurityEvent::AccountDisabled => ("konto avstängt", "account disabled"),
        SecurityEvent::AccountEnabled => ("konto öppnat igen", "account enabled again"),
        SecurityEvent::PasswordReset => (
            "lösenord återställt; nytt väljs vid nästa inloggning",
            "password reset; a new one is set at the next sign-in",
        ),
        SecurityEvent::SecondFactorReset => (
            "autentiseringsapp återställd; kopplas igen vid nästa inloggning",
            "authenticator app reset; set up again at the next sign-in",
        ),
        SecurityEvent::PasswordChanged => ("nytt lösenord valt", "new password set"),
        SecurityEvent::SignedInSso => (
            "inloggad via organisationens inloggning",
            "signed in through the organisation's sign-in",
        ),
        SecurityEvent::SsoNoAccount => (
            "organisationens inloggning godkänd, men inget konto här",
            "the organisation's sign-in vouched for someone with no account here",
        ),
    }
});

impl Words for crate::sign_in::Wait {
    fn words(&self, lang: Lang) -> Cow<'static, str> {
        let seconds = self.seconds();
        let minutes = (seconds + 59) / 60;
        Cow::Owned(match (lang, seconds) {
            (Lang::Sv, 1) => "1 sekund".into(),
            (Lang::Sv, s) if s < 120 => format!("{s} sekunder"),
            (Lang::Sv, _) => format!("{minutes} minuter"),
            (Lang::En, 1) => "1 second".into(),
            (Lang::En, s) if s < 120 => format!("{s} seconds"),
            (Lang::En, _) => format!("{minutes} minutes"),
        })
    }
}

impl Words for ProblemKind {
    fn words(&self, lang: Lang) -> Cow<'static, str> {
        let sv = lang == Lang::Sv;
        let fixed = |s: &'static str, e: &'static str| Cow::Borrowed(if sv { s } else { e });
        match self {
            ProblemKind::Required => fixed("måste fyllas i", "is required"),
            ProblemKind::EndBeforeStart => fixed(
                "slutar före start – rätta sluttiden",
                "ends before it starts – correct the end time",
            ),
            ProblemKind::VeryLong => fixed(
                "varar mer än 12 timmar – avslutades besöket?",
                "lasts more than 12 hours – was the visit ended?",
            ),
            ProblemKind::ImpossiblyLong => fixed(
                "varar mer än ett dygn – rätta sluttiden",
                "lasts more than 24 hours – correct the end time",
            ),
            ProblemKind::ImplausibleTime => fixed(
                "är ingen rimlig tid (före 2000 eller efter 2100) – kontrollera telefonens klocka",
                "is not a plausible time (before 2000 or after 2100) – check the phone's clock",
            ),
            ProblemKind::InFuture => fixed(
                "ligger i framtiden – kontrollera telefonens klocka",
                "is in the future – check the phone's clock",
            ),
            ProblemKind::UnknownHotspot => fixed(
                "pekar på en plats som inte finns – välj en i listan",
                "names a hotspot the coordinators have not set up – pick one from the list",
            ),
            ProblemKind::UnknownVenue => fixed(
                "pekar på ett serveringsställe som inte finns – välj ett i listan",
                "names a venue the coordinators have not set up – pick one from the list",
            ),
            ProblemKind::UnknownInitiative => fixed(
                "pekar på en insats som inte finns i medborgarlöftet – välj en i listan",
                "names an initiative that is not in the promise plan – pick one from the list",
            ),
            ProblemKind::WrongInitiative => fixed(
                "pekar på en insats som räknar annat arbete – välj en för den här sortens registrering",
                "names an initiative that counts other work – pick one for this kind of record",
            ),
            ProblemKind::UnknownOfficer => fixed(
                "nämner någon som inte finns i förteckningen",
                "names someone who is not in the directory",
            ),
            ProblemKind::WrongOrganisation => fixed(
                "anger en annan organisation för någon än förteckningen gör",
                "gives someone another organisation than the directory does",
            ),
            ProblemKind::OverlapsOtherVisits => fixed(
                "överlappar tre eller fler av dina andra besök – rätta tiderna",
                "overlaps three or more of your other visits – correct the times",
            ),
            ProblemKind::TooManyVisitsInAnHour => fixed(
                "är ett av fler än tolv besök du startade inom en timme – rätta tiderna",
                "is one of more than twelve visits you started within an hour – correct the times",
            ),
            ProblemKind::TooLong { max } => Cow::Owned(if sv {
                format!("är för lång – högst {} tecken", thousands(*max, sv))
            } else {
                format!("is too long – at most {} characters", thousands(*max, sv))
            }),
            ProblemKind::OutOfRange { min, max } => Cow::Owned(if sv {
                format!("måste vara mellan {min} och {max}")
            } else {
                format!("must be between {min} and {max}")
            }),
            ProblemKind::BadDate => fixed(
                "är inget datum – skriv det som ÅÅÅÅ-MM-DD",
                "is not a date – write it as YYYY-MM-DD",
            ),
            ProblemKind::BadTimeOfDay => fixed(
                "är ingen tid på dygnet – skriv den som TT:MM",
                "is not a time of day – write it as HH:MM",
            ),
            ProblemKind::UnknownItem(item) => Cow::Owned(if sv {
                format!("har en okänd punkt ”{item}”")
            } else {
                format!("has an unknown item \"{item}\"")
            }),
            ProblemKind::PeriodInverted => fixed(
                "kommer efter periodens slut",
                "comes after the period's end",
            ),
            ProblemKind::PersonalIdentityNumber => fixed(
                "verkar innehålla ett personnummer – det får inte finnas här, ta bort det",
                "seems to hold a personal identity number – records must not hold one, remove it",
            ),
        }
    }
}

impl Words for Problem {
    fn words(&self, lang: Lang) -> Cow<'static, str> {
        Cow::Owned(format!(
            "{} {}",
            field(lang, self.field),
            self.kind.words(lang)
        ))
    }
}

impl Words for crate::sync::wire::WireProblem {
    fn words(&self, lang: Lang) -> Cow<'static, str> {
        Cow::Owned(format!(
            "{} {}",
            field(lang, &self.field),
            self.kind.words(lang)
        ))
    }
}

/// A record's field by its name in the schema, as validation problems,
/// refusals and the edit history name it. Names outside the schema read
/// as "a field", never as the raw name.
pub fn field(lang: Lang, name: &str) -> &'static str {
    if let Some(item) = ChecklistItem::from_key(name) {
        return match item.words(lang) {
            Cow::Borrowed(s) => s,
            Cow::Owned(_) => lang.pick("Uppgift", "Field"),
        };
    }
    let (sv, en) = match name {
        "created" => ("skapad", "created"),
        "name" => ("Namn", "Name"),
        "licensee" => ("Tillståndshavare", "Licensee"),
        "centre" => ("Mittpunkt", "Centre"),
        "radius_m" => ("Radie", "Radius"),
        "active_from" => ("Aktiv från", "Active from"),
        "active_to" => ("Aktiv till", "Active to"),
        "dosage.visits_per_week" => ("Besök per vecka", "Visits per week"),
        "dosage.minutes_per_week" => ("Minuter per vecka", "Minutes per week"),
        "serving_hours.opens" => ("Serveringen börjar", "Serving opens"),
        "serving_hours.closes" => ("Serveringen slutar", "Serving closes"),
        "municipality" => ("Kommun", "Municipality"),
        "period_start" => ("Periodens början", "Period start"),
        "period_end" => ("Periodens slut", "Period end"),
        "focus_areas.name" => ("Fokusområde", "Focus area"),
        "initiatives.title" => ("Insats", "Initiative"),
        "initiatives.target.unit" => ("Målets enhet", "Target unit"),
        "initiatives.target.at_least" => ("Mål", "Target"),
        "officers.name" => ("Namn", "Name"),
        "hotspot_id" => ("Plats", "Hotspot"),
        "venue_id" => ("Serveringsställe", "Venue"),
        "initiative_id" => ("Insats", "Initiative"),
        "started_at" => ("Start", "Started"),
        "ended_at" => ("Slut", "Ended"),
        "officers_count" => ("Antal poliser", "Officers"),
        "participants" => ("Deltagare", "Participants"),
        "contacts" => ("Kontakter", "Contacts"),
        "interventions" => ("Ingripanden", "Interventions"),
        "problems" => ("Trygghetsproblem", "Safety problems"),
        "notes" => ("Anteckningar", "Notes"),
        "area_check" => ("Platskontroll", "Area check"),
        "checklist" => ("Checklista", "Checklist"),
        "checklist.comment" => ("Kommentar i checklistan", "Checklist comment"),
        "findings" => ("Iakttagelser", "Findings"),
        "follow_up" => ("Föreslagen uppföljning", "Proposed follow-up"),
        "date" => ("Datum", "Date"),
        "kind" => ("Slag", "Kind"),
        "people_reached" => ("Antal nådda personer", "People reached"),
        "discarded_at" => ("Makulerad", "Discarded"),
        "read_back_at" => ("Genomgånget med serveringsansvarig", "Read back"),
        "draft" => ("Utkast", "Draft"),
        "area_check.at_start" => ("Inom platsen vid start", "Inside the area at the start"),
        "area_check.at_end" => ("Inom platsen vid slut", "Inside the area at the end"),
        "participants.officer_id" => ("Deltagare", "Participant"),
        "participants.organisation" => ("Deltagarens organisation", "Participant's organisation"),
        "record_kind" => ("Slag av registrering", "Kind of record"),
        "schema_version" => ("Schemaversion", "Schema version"),
        _ => ("Uppgift", "Field"),
    };
    lang.pick(sv, en)
}

/// A value's path in a document (`checklist.staff_register.answer`,
/// `participants[0].officer_id`), as the edit history names it.
pub fn path_words(lang: Lang, path: &str) -> String {
    let parts: Vec<&str> = path
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect();
    match parts.as_slice() {
        ["checklist", item, rest @ ..] => {
            let name = ChecklistItem::from_key(item)
                .map(|i| i.words(lang).into_owned())
                .unwrap_or_else(|| field(lang, "checklist").to_string());
            if rest.last() == Some(&"comment") {
                format!("{name} – {}", lang.pick("kommentar", "comment"))
            } else {
                name
            }
        }
        ["problems", key] => SafetyProblem::from_key(key)
            .map(|p| p.words(lang).into_owned())
            .unwrap_or_else(|| field(lang, "problems").to_string()),
        _ => {
            let joined = parts.join(".");
            let whole = field(lang, &joined);
            if whole != field(lang, "") {
                whole.to_string()
            } else {
                field(lang, parts.last().copied().unwrap_or("")).to_string()
            }
        }
    }
}

/// A stored value in words, by its path: answers, kinds and other enums by
/// their words, times as local date and time, yes/no, empty as a dash.
pub fn value_words(lang: Lang, path: &str, raw: &str) -> String {
    fn named<T: std::fmt::Debug + Words + Copy>(
        all: &[T],
        raw: &str,
        lang: Lang,
    ) -> Option<String> {
        all.iter()
            .find(|v| format!("{v:?}") == raw)
            .map(|v| v.words(lang).into_owned())
    }
    let last = path
        .rsplit('.')
        .next()
        .unwrap_or(path)
        .split('[')
        .next()
        .unwrap_or("");
    let worded = match last {
        "answer" => named(&Answer::ALL, raw, lang),
        "follow_up" => named(&FollowUp::ALL, raw, lang),
        "kind" => named(&ActivityKind::ALL, raw, lang),
        "organisation" => named(
            &[Organisation::Police, Organisation::Municipality],
            raw,
            lang,
        ),
        "risk" => named(&RiskLevel::ALL, raw, lang),
        "started_at" | "ended_at" | "discarded_at" | "read_back_at" => raw
            .parse::<i64>()
            .ok()
            .map(crate::local_time::format_date_time),
        _ => None,
    };
    worded.unwrap_or_else(|| match raw {
        "" => "—".to_string(),
        "true" => lang.pick("ja", "yes").to_string(),
        "false" => lang.pick("nej", "no").to_string(),
        other => other.to_string(),
    })
}

/// A count as Swedish or English writes it: `4 000`, `4,000`.
pub fn thousands(n: usize, sv: bool) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(if sv { '\u{a0}' } else { ',' });
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_path_and_its_values_read_as_words() {
        let sv = Lang::Sv;
        assert_eq!(
            path_words(sv, "checklist.staff_register.answer"),
            "Personalliggare förs"
        );
        assert_eq!(
            path_words(sv, "checklist.staff_register.comment"),
            "Personalliggare förs – kommentar"
        );
        assert_eq!(path_words(sv, "problems.poor_lighting"), "Dålig belysning");
        assert_eq!(path_words(sv, "participants[1].officer_id"), "Deltagare");
        assert_eq!(path_words(sv, "dosage.visits_per_week"), "Besök per vecka");
        assert_eq!(path_words(sv, "notes"), "Anteckningar");
        assert_eq!(
            value_words(sv, "checklist.staff_register.answer", "Remark"),
            "Anmärkning"
        );
        assert_eq!(
            value_words(sv, "kind", "SchoolVisit"),
            ActivityKind::SchoolVisit.words(sv)
        );
        assert_eq!(
            value_words(sv, "ended_at", "1751397300000"),
            "2025-07-01 21:15"
        );
        assert_eq!(value_words(sv, "problems.poor_lighting", "true"), "ja");
        assert_eq!(value_words(sv, "ended_at", ""), "—");
    }

    /// Every word of every value exists in both languages, and the two
    /// differ where the languages do (no English left in the Swedish).
    #[test]
    fn every_value_has_words_in_both_languages() {
        let mut all: Vec<(String, String)> = Vec::new();
        let mut add =
            |w: &dyn Words| all.push((w.words(Lang::Sv).into(), w.words(Lang::En).into()));
        ChecklistItem::ALL.iter().for_each(|v| add(v));
        [Answer::Fine, Answer::Remark, Answer::NotChecked]
            .iter()
            .for_each(|v| add(v));
        [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High]
            .iter()
            .for_each(|v| add(v));
        [FollowUp::None, FollowUp::Revisit, FollowUp::SupervisionCase]
            .iter()
            .for_each(|v| add(v));
        Owner::ALL.iter().for_each(|v| add(v));
        Counts::ALL.iter().for_each(|v| add(v));
        TargetPeriod::ALL.iter().for_each(|v| add(v));
        ActivityKind::ALL.iter().for_each(|v| add(v));
        SafetyProblem::ALL.iter().for_each(|v| add(v));
        DocKind::ALL.iter().for_each(|v| add(v));
        [Organisation::Police, Organisation::Municipality]
            .iter()
            .for_each(|v| add(v));
        for (sv, en) in &all {
            assert!(!sv.is_empty() && !en.is_empty());
            // Words that are the same in both (a loan word) are few and
            // known; anything else the same is a missing translation.
            let same_ok = ["per tertial"];
            assert!(
                sv != en || same_ok.contains(&sv.as_str()),
                "{sv:?} is not Swedish"
            );
        }
    }

    #[test]
    fn problems_read_as_a_sentence_at_their_field() {
        let p = Problem {
            field: "notes",
            kind: ProblemKind::TooLong { max: 4_000 },
        };
        assert_eq!(
            p.words(Lang::Sv),
            "Anteckningar är för lång – högst 4\u{a0}000 tecken"
        );
        assert_eq!(
            p.words(Lang::En),
            "Notes is too long – at most 4,000 characters"
        );
        assert_eq!(field(Lang::Sv, "staff_register"), "Personalliggare förs");
        assert_eq!(field(Lang::Sv, "something_else"), "Uppgift");
    }
}

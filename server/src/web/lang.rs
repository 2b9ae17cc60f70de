//! The pages' language: Swedish when the browser prefers it (coordinators
//! and citizens of a Swedish municipality), English otherwise. Words are
//! looked up by their English text, so a page reads in English wherever a
//! translation is missing rather than failing.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Sv,
}

impl Lang {
    /// The language an `Accept-Language` header asks for.
    pub fn of(headers: &HeaderMap) -> Lang {
        match headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        {
            Some(a) if prefers_swedish(a) => Lang::Sv,
            _ => Lang::En,
        }
    }

    /// The HTML `lang` tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
        }
    }

    /// The same language in the domain's vocabulary (`shared::vocabulary`).
    pub fn vocabulary(self) -> shared::vocabulary::Lang {
        match self {
            Lang::En => shared::vocabulary::Lang::En,
            Lang::Sv => shared::vocabulary::Lang::Sv,
        }
    }

    /// A domain value (a checklist item, an answer, a risk, a kind...) in
    /// this language, from the one catalogue the app uses too.
    pub fn say(self, value: &dyn shared::vocabulary::Words) -> String {
        value.words(self.vocabulary()).into_owned()
    }

    /// A document path in the edit history, from the one vocabulary.
    pub fn field_path(self, path: &str) -> String {
        shared::vocabulary::path_words(self.vocabulary(), path)
    }

    /// A stored value in the edit history, in words.
    pub fn field_value(self, path: &str, raw: &str) -> String {
        shared::vocabulary::value_words(self.vocabulary(), path, raw)
    }

    /// A period as this language writes it: `2026 K4` in Swedish (kvartal),
    /// `2026 Q4` in English; tertials and years alike in both.
    pub fn period(self, p: &shared::follow_up::Period) -> String {
        let shown = p.to_string();
        match (self, p) {
            (Lang::Sv, shared::follow_up::Period::Quarter { .. }) => shown.replace('Q', "K"),
            _ => shown,
        }
    }

    /// A period's key as this language types it: `2026-K4` in Swedish.
    /// Both read back (`Period::parse`).
    pub fn period_key(self, p: &shared::follow_up::Period) -> String {
        match (self, p) {
            (Lang::Sv, shared::follow_up::Period::Quarter { .. }) => p.key().replace('Q', "K"),
            _ => p.key(),
        }
    }

    /// `en` in this language.
    pub fn t(self, en: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Sv => swedish(en).unwrap_or(en),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        // A language chosen on the page (`?lang=sv`, the public summary's
        // switch) wins over the browser's preference.
        let chosen = parts
            .uri
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|pairs| {
                pairs
                    .into_iter()
                    .find_map(|(k, v)| match (k.as_str(), v.as_str()) {
                        ("lang", "sv") => Some(Lang::Sv),
                        ("lang", "en") => Some(Lang::En),
                        _ => None,
                    })
            });
        Ok(chosen.unwrap_or_else(|| Lang::of(&parts.headers)))
    }
}

/// Whether an `Accept-Language` value prefers Swedish to English (the
/// higher weighted of the two; the first on a tie).
pub fn prefers_swedish(accept_language: &str) -> bool {
    let mut best: Option<(f32, bool)> = None;
    for (tag, q) in shared::weighted_list::weighted(accept_language) {
        let tag = tag.to_ascii_lowercase();
        let swedish = tag == "sv" || tag.starts_with("sv-");
        let english = tag == "en" || tag.starts_with("en-");
        if (swedish || english) && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, swedish));
        }
    }
    best.is_some_and(|(q, swedish)| swedish && q > 0.0)
}

fn swedish(en: &str) -> Option<&'static str> {
    Some(match en {
        " (printed in the report; no names of civilians)" => " (skrivs ut i rapporten; inga namn på privatpersoner)",
        " (the newest " => " (de senaste ",
        " (valid 24 hours, once): " => " (gäller 24 timmar, en gång): ",
        " Correct these rows and import the file again:" => " Rätta de här raderna och importera filen igen:",
        " from an Excel or CSV file (the export's columns; leave id empty for a new row)" => " från en Excel- eller CSV-fil (exportens kolumner; lämna id tomt för en ny rad)",
        "Export hotspots as Excel" => "Exportera platser som Excel",
        "Export venues as Excel" => "Exportera serveringsställen som Excel",
        "Export the plan as Excel" => "Exportera planen som Excel",
        " from the municipality" => " från kommunen",
        " from the police, " => " från polisen, ",
        " records" => " registreringar",
        ", citizen promises " => ", medborgarlöften ",
        ", first received " => ", först mottagen ",
        "first received " => "först mottagen ",
        "; narrow the filters to see the rest)" => "; smalna av filtren för att se resten)",
        "A plan file is the whole plan, one row per initiative. Initiatives keep their place in the follow-up when their title is kept." => "En planfil är hela planen, en rad per insats. Insatserna behåller sin plats i uppföljningen så länge titeln behålls.",
        "A remark is not a sanction: only the municipality decides sanctions, after the licensee has been heard." => "En anmärkning är ingen sanktion: bara kommunen beslutar om sanktioner, efter att tillståndshavaren har hörts.",
        "Access log" => "Åtkomstlogg",
        "Erase this record…" => "Radera registreringen…",
        "Erase this record?" => "Radera registreringen?",
        "Erasure removes the record and its whole history from the server at once, and from every phone at its next sync. It cannot be undone. The access log keeps that it existed and who erased it, never its contents." => "Raderingen tar bort registreringen och hela dess historik från servern direkt och från varje telefon vid dess nästa synkning. Den kan inte ångras. Åtkomstloggen behåller att den fanns och vem som raderade den, aldrig innehållet.",
        "If it counts in a quarter that has ended, its share of that quarter's figures is kept without officer, times or text, so reports already given do not change; a record entered by mistake leaves no figures." => "Räknas den i ett kvartal som har tagit slut sparas dess andel av kvartalets siffror utan polis, klockslag eller text, så att redan lämnade rapporter inte ändras; en felregistrering lämnar inga siffror.",
        "Why is it erased?" => "Varför raderas den?",
        "Erase the record" => "Radera registreringen",
        "The record was erased" => "Registreringen är raderad",
        "It is gone from the server, and every phone that holds it deletes it at its next sync." => "Den är borta från servern, och varje telefon som har den raderar den vid sin nästa synkning.",
        "Back to the records" => "Tillbaka till registreringarna",
        "Record erased" => "Registrering raderad",
        "Field redacted" => "Fält maskerat",
        "Sign in with" => "Logga in med",
        "The sign-in was not completed. Please try again." => "Inloggningen blev inte klar. Försök igen.",
        "Back to the sign-in" => "Tillbaka till inloggningen",
        "Your organisation's sign-in knows you, but you have no account here. Ask an administrator for one (under the same user name)." => "Din organisations inloggning känner dig, men du har inget konto här. Be en administratör om ett (med samma användarnamn).",
        "Signed in" => "Inloggad",
        "Continue" => "Fortsätt",
        "Accounts" => "Konton",
        "Municipalities" => "Kommuner",
        "Municipality shown" => "Visad kommun",
        "Municipalities (a municipal coordinator's and a council member's)" => "Kommuner (för kommunens samordnare och rådsledamöter)",
        "No municipality yet: make one on the municipalities page." => "Ingen kommun ännu: skapa en på sidan Kommuner.",
        "Police areas (a police-area coordinator's: every municipality of the area)" => "Lokalpolisområden (för lokalpolisområdets samordnare: varje kommun i området)",
        "Each municipality has its own promise plan, hotspots, venues, follow-up and public summary. A police area's coordinator works in every municipality of the area." => "Varje kommun har sina egna medborgarlöften, platser, serveringsställen, uppföljning och offentliga sammanställning. Lokalpolisområdets samordnare arbetar i varje kommun i området.",
        "No municipality yet." => "Ingen kommun ännu.",
        "Police area" => "Lokalpolisområde",
        "New municipality" => "Ny kommun",
        "Police area (a new name makes a new area; empty: none)" => "Lokalpolisområde (ett nytt namn skapar ett nytt område; tomt: inget)",
        "Make the municipality" => "Skapa kommunen",
        "The citizen promises of each municipality and the local police, and what was done." => "Varje kommuns och lokalpolisens medborgarlöften, och vad som gjordes.",
        "No municipality publishes figures here yet." => "Ingen kommun publicerar siffror här ännu.",
        "Officers and where they work" => "Poliser och var de arbetar",
        "An officer's phone receives the hotspots, venues and plan of the municipalities they work in, and nothing of the others." => "En polis telefon får platserna, serveringsställena och planen för de kommuner polisen arbetar i, och inget av de andras.",
        "No officers yet." => "Inga poliser ännu.",
        "Works in" => "Arbetar i",
        "(works nowhere yet)" => "(arbetar ingenstans ännu)",
        "Roles" => "Roller",
        "Disabled" => "Avstängt",
        "In use" => "I bruk",
        "Sets a new password at the next sign-in" => "Väljer nytt lösenord vid nästa inloggning",
        "Sets up the authenticator app at the next sign-in" => "Kopplar autentiseringsappen vid nästa inloggning",
        "New account" => "Nytt konto",
        "First password (at least 12 characters; the user sets their own at the first sign-in)" => "Första lösenord (minst 12 tecken; användaren väljer ett eget vid första inloggningen)",
        "Create the account" => "Skapa kontot",
        "Save the roles" => "Spara rollerna",
        "Enable the account again" => "Öppna kontot igen",
        "Disable the account (its sessions end)" => "Stäng av kontot (dess sessioner avslutas)",
        "New first password (the user sets their own at the next sign-in)" => "Nytt första lösenord (användaren väljer ett eget vid nästa inloggning)",
        "Reset the password" => "Återställ lösenordet",
        "Reset the authenticator app (a lost phone)" => "Återställ autentiseringsappen (borttappad telefon)",
        "Back to the accounts" => "Tillbaka till kontona",
        "Choose a new password" => "Välj ett nytt lösenord",
        "An administrator gave you a first password. Choose your own: at least 12 characters, one you use nowhere else." => "En administratör gav dig ett första lösenord. Välj ett eget: minst 12 tecken, som du inte använder någon annanstans.",
        "New password" => "Nytt lösenord",
        "The same again" => "Samma igen",
        "Save the password" => "Spara lösenordet",
        "The two passwords differ." => "Lösenorden är inte lika.",
        "A password must have at least 12 characters." => "Ett lösenord måste ha minst 12 tecken.",
        "By" => "Av",
        "Code from your authenticator app" => "Kod från din autentiseringsapp",
        "Enter the six-digit code your authenticator app shows for Trygghetslogg. Without the app, enter one of your recovery codes; each works once." => "Skriv den sexsiffriga kod som din autentiseringsapp visar för Trygghetslogg. Utan appen skriver du en av dina reservkoder; var och en fungerar en gång.",
        "Code" => "Kod",
        "Your recovery codes" => "Dina reservkoder",
        "The app is set up. Keep these recovery codes where only you can reach them (printed, or in a password manager): each signs you in once if the phone with the app is lost. They are shown now and never again." => "Appen är kopplad. Förvara reservkoderna där bara du kommer åt dem (utskrivna eller i en lösenordshanterare): var och en loggar in dig en gång om telefonen med appen försvinner. De visas nu och aldrig igen.",
        "I have kept them" => "Jag har sparat dem",
        "Wrong or already used code. Try the code your app shows now." => "Fel kod, eller redan använd. Prova koden som appen visar nu.",
        "Set up your authenticator app" => "Koppla din autentiseringsapp",
        "Every coordinator signs in with a password and a code from an authenticator app on their phone (for example Microsoft Authenticator, Google Authenticator or FreeOTP). Scan the QR code with the app, or type the key below, then enter the six-digit code it shows." => "Alla samordnare loggar in med lösenord och en kod från en autentiseringsapp i telefonen (till exempel Microsoft Authenticator, Google Authenticator eller FreeOTP). Skanna QR-koden med appen, eller skriv in nyckeln nedan, och skriv sedan den sexsiffriga kod som appen visar.",
        "Key" => "Nyckel",
        "Set up and sign in" => "Koppla och logga in",
        "Redact a field…" => "Maskera ett fält…",
        "Redact a field of this record?" => "Maskera ett fält i registreringen?",
        "Redaction empties one free-text field and removes every earlier version of it from the record's history: on the server at once, and on every phone at its next sync. The rest of the record and its figures stay. It cannot be undone. An officer who had changed the field on a phone meanwhile is shown their text and decides again." => "Maskeringen tömmer ett fritextfält och tar bort varje tidigare version av det ur registreringens historik: på servern direkt och på varje telefon vid dess nästa synkning. Resten av registreringen och dess siffror finns kvar. Den kan inte ångras. En polis som under tiden hade ändrat fältet i sin telefon får se sin text och avgöra på nytt.",
        "No free-text field of this record holds text." => "Inget fritextfält i registreringen innehåller text.",
        "Which field?" => "Vilket fält?",
        "Why is it redacted?" => "Varför maskeras det?",
        "Redact the field" => "Maskera fältet",
        "The field was redacted" => "Fältet är maskerat",
        "its text and every earlier version of it are gone from the server, and every phone that holds the record replaces its copy at its next sync." => "dess text och varje tidigare version av den är borta från servern, och varje telefon som har registreringen byter ut sin kopia vid nästa synkning.",
        "comment" => "kommentar",
        "Redacted" => "Maskerat",
        "Retention" => "Gallring",
        "Phone lease" => "Telefonernas giltighetstid",
        "A phone that has not reached the server for longer than this stops showing records, and the server revokes it: at its next start it wipes them. An old phone in a drawer keeps nothing." => "En telefon som inte har haft kontakt med servern längre än så slutar visa registreringar, och servern spärrar den: vid nästa start raderar den dem. En gammal telefon i en låda behåller ingenting.",
        "Days" => "Dagar",
        "A record is kept for the months below after the later of the day it happened and the end of the promise period it counts toward; then the nightly job erases it from the server and every phone (docs/privacy.md). A closed quarter's figures are kept without details. A kind without a rule is kept." => "En registrering bevaras så många månader som anges nedan efter den senare av dagen den gällde och slutet av den medborgarlöftesperiod den räknas till; sedan raderar nattjobbet den från servern och varje telefon (docs/privacy.md). Ett avslutat kvartals siffror finns kvar utan detaljer. Ett slag utan regel bevaras.",
        "Months" => "Månader",
        "Legal basis" => "Rättslig grund",
        "Set" => "Satt",
        "Set by " => "Satt av ",
        "No rule: kept until a rule is set." => "Ingen regel: bevaras tills en regel sätts.",
        "Yearly review" => "Årlig omprövning",
        "Record that the rules were reviewed today" => "Registrera att reglerna har omprövats i dag",
        "Last reviewed " => "Senast omprövade ",
        " by " => " av ",
        "The rules have not been reviewed yet." => "Reglerna har inte omprövats än.",
        "A yearly review of the retention rules is due." => "Det är dags för den årliga omprövningen av gallringsreglerna.",
        " of the records counted here have since been erased; their figures are kept without officer, times or text." => " av registreringarna som räknas här har raderats sedan dess; deras siffror finns kvar utan polis, klockslag eller text.",
        "Active" => "Aktiv",
        "Activity" => "Aktivitet",
        "Answer" => "Svar",
        "Assessment of " => "Bedömning av ",
        "Assessment: " => "Bedömning: ",
        "Changes" => "Ändringar",
        "Checklist" => "Checklista",
        "Comment" => "Kommentar",
        "Contacts" => "Kontakter",
        "Counts" => "Räknar",
        "Create enrolment code" => "Skapa registreringskod",
        "Date" => "Datum",
        "Delivered" => "Utfört",
        "Details" => "Detaljer",
        "Device" => "Enhet",
        "Devices" => "Enheter",
        "Devices and officers" => "Enheter och poliser",
        "Document" => "Dokument",
        "Documents the server refused, kept with the reason. The device keeps them too and sends them again once amended." => "Dokument som servern avvisade, sparade med skälet. Enheten behåller dem också och skickar dem igen när de rättats.",
        "Download CSV" => "Ladda ner CSV",
        "Download Excel" => "Ladda ner Excel",
        "Edit history" => "Ändringshistorik",
        "Edit the assessment" => "Ändra bedömningen",
        "Ended" => "Slut",
        "Enrol a phone" => "Registrera en telefon",
        "Enrolled" => "Registrerad",
        "Enrolled devices" => "Registrerade enheter",
        "Enrolled devices (" => "Registrerade enheter (",
        "Enrolment code for " => "Registreringskod för ",
        "Every venue at least once a year, higher risk first." => "Varje serveringsställe minst en gång om året, högre risk först.",
        "Export hotspots as CSV" => "Exportera platser som CSV",
        "Export the plan as CSV" => "Exportera planen som CSV",
        "Export venues as CSV" => "Exportera serveringsställen som CSV",
        "Filter" => "Filtrera",
        "Findings" => "Iakttagelser",
        "Findings per checklist item" => "Iakttagelser per punkt i checklistan",
        "Focus area" => "Fokusområde",
        "Follow-up" => "Uppföljning",
        "Follow-up of the promises" => "Uppföljning av löftena",
        "For coordinators. Officers use the app." => "För samordnare. Poliser använder appen.",
        "For the inspectors" => "För tillsynsförrättarna",
        "From" => "Från",
        "From the document itself: every change, when it was made (the device's clock) and by whom." => "Ur själva dokumentet: varje ändring, när den gjordes (enhetens klocka) och av vem.",
        "Hotspot" => "Plats",
        "Hotspots (" => "Platser (",
        "Import" => "Importera",
        "Import " => "Importera ",
        "Initiative" => "Insats",
        "Initiatives: delivered against target" => "Insatser: utfört mot mål",
        "Inspected" => "Tillsyn",
        "Inspection" => "Tillsyn",
        "Inspection protocol" => "Tillsynsprotokoll",
        "Inspection protocol for the licensee" => "Tillsynsprotokoll till tillståndshavaren",
        "Inspections" => "Tillsyner",
        "Inspections against the plan" => "Tillsyner mot planen",
        "Inspectors" => "Tillsynsförrättare",
        "Interventions" => "Ingripanden",
        "Item" => "Punkt",
        "Kind" => "Slag",
        "Last updated" => "Senast uppdaterad",
        "Logged by" => "Registrerad av",
        "Export with the free text (notes, findings, comments)" => "Exportera med fritexten (anteckningar, iakttagelser, kommentarer)",
        "Each record exported is written to the access log with your name, the time and the purpose." => "Varje exporterad registrering skrivs i åtkomstloggen med ditt namn, tiden och syftet.",
        "Why do you export them?" => "Varför exporterar du dem?",
        "Figures as of " => "Siffrorna gäller per ",
        "Unit" => "Enhet",
        "Bars per week: " => "Staplar per vecka: ",
        "met the prescription" => "ordinationen uppfylld",
        "fell short" => "under ordinationen",
        "the week under way" => "veckan som pågår",
        "line: prescribed per week; weeks by number. Visits of 10–16 minutes are the most effective (Koper)." => "linje: ordinerat per vecka; veckor efter nummer. Besök på 10–16 minuter ger mest effekt (Koper).",
        "Prescribed visits" => "Ordinerade besök",
        "Prescribed minutes" => "Ordinerade minuter",
        "Read back to the responsible manager on site: " => "Genomgånget med serveringsansvarig på plats: ",
        "Signature" => "Underskrift",
        "Name in print" => "Namnförtydligande",
        "Edit" => "Ändra",
        "Latitude (WGS 84)" => "Latitud (WGS 84)",
        "Longitude (WGS 84)" => "Longitud (WGS 84)",
        "Active from (YYYY-MM-DD)" => "Aktiv från (ÅÅÅÅ-MM-DD)",
        "Active to (YYYY-MM-DD, empty: open-ended)" => "Aktiv till (ÅÅÅÅ-MM-DD, tomt: tills vidare)",
        "Serving opens (HH:MM)" => "Serveringen börjar (TT:MM)",
        "Serving closes (HH:MM)" => "Serveringen slutar (TT:MM)",
        "Security staff required (yes/no)" => "Ordningsvakter krävs (ja/nej)",
        "Serves after 01:00 (yes/no)" => "Serverar efter 01:00 (ja/nej)",
        "Dancing (yes/no)" => "Dans (ja/nej)",
        "Outdoor area (yes/no)" => "Uteservering (ja/nej)",
        "Risk (low, medium, high)" => "Risknivå (low, medium eller high)",
        "Field" => "Uppgift",
        "Initiative (a new title is a new initiative)" => "Insats (en ny titel är en ny insats)",
        "Owner (police, municipality, joint)" => "Ansvarig (police, municipality eller joint)",
        "Counts (patrol_visits, inspections, activities)" => "Räknar (patrol_visits, inspections eller activities)",
        "Target (a number; empty: none)" => "Mål (ett tal; tomt: inget)",
        "Target unit (as the promise words it)" => "Målets enhet (som löftet uttrycker det)",
        "Target per (year, tertial, quarter, plan)" => "Mål per (year, tertial, quarter eller plan)",
        "Page " => "Sida ",
        "Previous page" => "Föregående sida",
        "Next page" => "Nästa sida",
        "(the filtered records, without free text)" => "(de filtrerade registreringarna, utan fritext)",
        "Case number" => "Ärendenummer",
        "Case number, if any (no personal identity number)" => "Ärendenummer, om det finns (inget personnummer)",
        "coordinator" => "samordnare",
        "unknown device" => "okänd enhet",
        "From the document itself: each person's edits in one session (changes less than 30 minutes apart), with what they changed, old → new. Times by the device's clock." => "Ur dokumentet självt: varje persons ändringar i ett pass (ändringar mindre än 30 minuter isär), med vad som ändrades, gammalt → nytt. Tider enligt enhetens klocka.",
        " change" => " ändring",
        " changes" => " ändringar",
        "State" => "Status",
        "Last inspected" => "Senaste tillsyn",
        "Last sync" => "Senaste synk",
        "Licensee" => "Tillståndshavare",
        "Minutes" => "Minuter",
        "Minutes / week" => "Minuter / vecka",
        "Municipality" => "Kommunen",
        "Name" => "Namn",
        "No devices yet." => "Inga enheter än.",
        "No inspections in this period." => "Inga tillsyner under perioden.",
        "No promise plan covers this period." => "Ingen plan för medborgarlöften gäller för perioden.",
        "None." => "Inga.",
        "Notes" => "Anteckningar",
        "Nothing was imported." => "Ingenting importerades.",
        "Officer" => "Polis",
        "Name (as colleagues know them; no personal identity number)" => "Namn (som kollegerna känner personen; inget personnummer)",
        "Enrolment link (paste it into the app, or scan the code with the phone): " => "Kopplingslänk (klistra in den i appen, eller skanna koden med telefonen): ",
        "Revoke this phone?" => "Återkalla telefonen?",
        "The phone can no longer sync. What it has not sent stays on it and is lost if the phone is wiped; ask the officer to sync first if it can." => "Telefonen kan inte längre synka. Det den inte har skickat finns kvar på den och går förlorat om den raderas; be personen synka först om det går.",
        "Yes, revoke" => "Ja, återkalla",
        "Cancel" => "Avbryt",
        "Officers" => "Poliser",
        "Open a record" => "Öppna en post",
        "Open follow-ups" => "Öppna uppföljningar",
        "Open the record" => "Öppna posten",
        "Opening a record's details is written to the access log with your name, the time and the purpose." => "När du öppnar en posts detaljer skrivs det i åtkomstloggen med ditt namn, tiden och syftet.",
        "Organisation" => "Organisation",
        "Other activities" => "Andra aktiviteter",
        "Owner" => "Ansvarig",
        "Participants" => "Deltagare",
        "Password" => "Lösenord",
        "Patrol dosage per hotspot" => "Patrulldos per plats",
        "Patrol visit" => "Patrullbesök",
        "Patrol visits" => "Patrullbesök",
        "People reached" => "Nådda personer",
        "Period" => "Period",
        "Period (2026-Q3, 2026-T2 or 2026)" => "Period (2026-K3, 2026-T2 eller 2026)",
        "Place" => "Plats",
        "Police" => "Polisen",
        "Previous" => "Föregående",
        "Next" => "Nästa",
        "Print this page for the council's report: the print layout leaves out the navigation and the forms." => "Skriv ut sidan som rapport till det lokala brottsförebyggande rådet: utskriften utelämnar menyn och formulären.",
        "Printable protocol for the licensee" => "Utskrivbart protokoll till tillståndshavaren",
        "Problems seen" => "Iakttagna problem",
        "Progress" => "Måluppfyllelse",
        "Promise plan" => "Plan för medborgarlöften",
        "Public summary" => "Offentlig sammanfattning",
        "Purpose" => "Syfte",
        "Quality check of the record" => "Kvalitetskontroll av posten",
        "Quarantine" => "Karantän",
        "Quarantined documents" => "Dokument i karantän",
        "Question or complaint about the activity" => "Fråga eller klagomål om verksamheten",
        "Radius (m)" => "Radie (m)",
        "Reason" => "Skäl",
        "Received" => "Mottaget",
        "Received by the licensee" => "Mottaget av tillståndshavaren",
        "Record" => "Post",
        "Record " => "Post ",
        "Records" => "Registreringar",
        "Reference data" => "Referensdata",
        "Reference data; see the reference pages." => "Referensdata; se sidan för referensdata.",
        "Request from the person the data is about" => "Begäran från den som uppgifterna gäller",
        "Result" => "Resultat",
        "Revoke" => "Spärra",
        "Risk" => "Risk",
        "Save" => "Spara",
        "Serving hours" => "Serveringstid",
        "Show" => "Visa",
        "Sign in" => "Logga in",
        "Sign out" => "Logga ut",
        "Started" => "Start",
        "Supervision case (alcohol licence)" => "Tillsynsärende (serveringstillstånd)",
        "Supervision under the Alcohol Act (alkohollagen 2010:1622), chapter 9. Copy for the licensee." => "Tillsyn enligt alkohollagen (2010:1622) 9 kap. Exemplar för tillståndshavaren.",
        "Target" => "Mål",
        "The form was out of date. Please sign in again." => "Formuläret var för gammalt. Logga in igen.",
        "The municipality opens a supervision case; the licensee will be heard before any decision." => "Kommunen öppnar ett tillsynsärende; tillståndshavaren hörs före varje beslut.",
        "The venue will be visited again." => "Serveringsstället besöks igen.",
        "Security log" => "Säkerhetslogg",
        "Sign-ins, failed attempts and sign-outs of the last 180 days, newest first. Passwords are never kept." => "Inloggningar, misslyckade försök och utloggningar de senaste 180 dagarna, nyast först. Lösenord sparas aldrig.",
        "Event" => "Händelse",
        "Too many failed attempts for this user name from here. Try again in" => "För många misslyckade försök för det här användarnamnet härifrån. Försök igen om",
        "User name" => "Användarnamn",
        "Venue" => "Serveringsställe",
        "Venues (" => "Serveringsställen (",
        "Visits" => "Besök",
        "Visits / week" => "Besök / vecka",
        "What" => "Vad",
        "When" => "När",
        "Who" => "Vem",
        "Why do you open it?" => "Varför öppnar du den?",
        "Write an assessment for the report" => "Skriv en bedömning till rapporten",
        "Wrong user name or password." => "Fel användarnamn eller lösenord.",
        "all" => "alla",
        "at least " => "minst ",
        "due" => "förfaller",
        "minutes / week" => "minuter / vecka",
        "never" => "aldrig",
        "no target" => "inget mål",
        "revoked " => "spärrad ",
        "visits / week" => "besök / vecka",
        "What we did" => "Det här gjorde vi",
        "No citizen promises cover this period." => "Inga medborgarlöften gäller för den här perioden.",
        "The citizen promises of " => "Medborgarlöftena i ",
        " and the local police: what was done." => " och lokalpolisen: det här gjordes.",
        "Figures are published once a day for quarters that have ended, rounded to the nearest 5 (0 means 0 to 2)." => "Siffrorna publiceras en gång om dagen för avslutade kvartal, avrundade till närmaste 5 (0 betyder 0 till 2).",
        "Last published:" => "Senast publicerat:",
        "No figures are published for that period: only whole quarters that have ended, and years." => "Inga siffror är publicerade för den perioden: bara hela kvartal som har tagit slut, och år.",
        "No figures are published yet: the first quarter has not ended." => "Inga siffror är publicerade än: det första kvartalet har inte tagit slut.",
        "The sum of the quarters" => "Summan av kvartalen",
        "Published periods: " => "Publicerade perioder: ",
        "Foot patrols at places people feel unsafe: " => "Fotpatruller på platser där människor känner sig otrygga: ",
        "Inspections of licensed venues: " => "Tillsyner av serveringsställen: ",
        "Done" => "Gjort",
        "Promised" => "Utlovat",
        "Not found" => "Hittades inte",
        "Back" => "Tillbaka",
        "Not allowed" => "Inte tillåtet",
        "That did not work" => "Det gick inte",
        "The server failed" => "Servern misslyckades",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_is_chosen_by_the_browsers_preference() {
        assert!(prefers_swedish("sv-SE,sv;q=0.9,en;q=0.8"));
        assert!(prefers_swedish("sv"));
        assert!(prefers_swedish("de, sv;q=0.8, en;q=0.5"));
        assert!(!prefers_swedish("en-US,en;q=0.9,sv;q=0.8"));
        assert!(!prefers_swedish("de"));
        assert!(!prefers_swedish(""));
        assert!(!prefers_swedish("sv;q=0"));
    }

    #[test]
    fn words_fall_back_to_english() {
        assert_eq!(Lang::Sv.t("Sign in"), "Logga in");
        assert_eq!(Lang::En.t("Sign in"), "Sign in");
        assert_eq!(Lang::Sv.t("not in the table"), "not in the table");
    }
}

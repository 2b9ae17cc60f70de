//! The code of every error answer the server gives (`{"error": code,
//! "message": ...}`), as one enum both sides use: the server answers with
//! it, the client reads it back into the same enum (an unknown code stays
//! unknown, never parsed by hand), and the vocabulary words it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // The sync and enrolment API.
    BadBody,
    BadDigest,
    UnsupportedVersion,
    BadEncoding,
    UnsupportedEncoding,
    BadDocId,
    BadCursor,
    TooManyDocs,
    TooManyChanges,
    TooLarge,
    Unauthorized,
    /// The device was revoked (lost, or away longer than the lease): it
    /// wipes its records.
    Revoked,
    BadEnrolmentCode,
    BadDeviceName,
    // Anywhere.
    NotFound,
    Forbidden,
    Unavailable,
    TooManyRequests,
    Internal,
    // The coordinators' pages.
    Invalid,
    BadCoordinator,
    BadName,
    BadOrganisation,
    /// An officer, record or place of a municipality the account does not
    /// reach.
    OtherMunicipality,
    BadForm,
    NoFile,
    NoPlan,
    BadPeriod,
    BadPurpose,
    BadCaseNumber,
    TooLong,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 31] = [
        ErrorCode::BadBody,
        ErrorCode::BadDigest,
        ErrorCode::UnsupportedVersion,
        ErrorCode::BadEncoding,
        ErrorCode::UnsupportedEncoding,
        ErrorCode::BadDocId,
        ErrorCode::BadCursor,
        ErrorCode::TooManyDocs,
        ErrorCode::TooManyChanges,
        ErrorCode::TooLarge,
        ErrorCode::Unauthorized,
        ErrorCode::Revoked,
        ErrorCode::BadEnrolmentCode,
        ErrorCode::BadDeviceName,
        ErrorCode::NotFound,
        ErrorCode::Forbidden,
        ErrorCode::Unavailable,
        ErrorCode::TooManyRequests,
        ErrorCode::Internal,
        ErrorCode::Invalid,
        ErrorCode::BadCoordinator,
        ErrorCode::BadName,
        ErrorCode::BadOrganisation,
        ErrorCode::OtherMunicipality,
        ErrorCode::BadForm,
        ErrorCode::NoFile,
        ErrorCode::NoPlan,
        ErrorCode::BadPeriod,
        ErrorCode::BadPurpose,
        ErrorCode::BadCaseNumber,
        ErrorCode::TooLong,
    ];

    /// The code as the JSON `error` field writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadBody => "bad_body",
            ErrorCode::BadDigest => "bad_digest",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::BadEncoding => "bad_encoding",
            ErrorCode::UnsupportedEncoding => "unsupported_encoding",
            ErrorCode::BadDocId => "bad_doc_id",
            ErrorCode::BadCursor => "bad_cursor",
            ErrorCode::TooManyDocs => "too_many_docs",
            ErrorCode::TooManyChanges => "too_many_changes",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Revoked => "revoked",
            ErrorCode::BadEnrolmentCode => "bad_enrolment_code",
            ErrorCode::BadDeviceName => "bad_device_name",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::Internal => "internal",
            ErrorCode::Invalid => "invalid",
            ErrorCode::BadCoordinator => "bad_coordinator",
            ErrorCode::BadName => "bad_name",
            ErrorCode::BadOrganisation => "bad_organisation",
            ErrorCode::OtherMunicipality => "other_municipality",
            ErrorCode::BadForm => "bad_form",
            ErrorCode::NoFile => "no_file",
            ErrorCode::NoPlan => "no_plan",
            ErrorCode::BadPeriod => "bad_period",
            ErrorCode::BadPurpose => "bad_purpose",
            ErrorCode::BadCaseNumber => "bad_case_number",
            ErrorCode::TooLong => "too_long",
        }
    }

    /// Reads the JSON `error` field; none for a code this side does not
    /// know (a newer server), which the client treats as a refusal without
    /// words of its own.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_json_name() {
        for c in ErrorCode::ALL {
            let json = serde_json::to_string(&c).expect("json");
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
        }
    }
}

//! The public error type. Every variant names what was wrong and, where it is not
//! personal data, the offending value, in fields a binding can branch on.

use crate::access::DenyReason;
use crate::person::PersonalCodeError;

/// Result of every fallible public function in TEHO.
pub type TehoResult<T> = Result<T, TehoError>;

/// What went wrong, stable across the FFI: bindings map each variant to a host
/// exception or error code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TehoError {
    /// A personal code failed to parse.
    #[error(transparent)]
    InvalidPersonalCode(#[from] PersonalCodeError),
    /// A recurrence rule outside the supported RRULE subset, or malformed.
    #[error(transparent)]
    InvalidRecurrence(#[from] crate::plan::RecurrenceError),
    /// An ICF code that is malformed or of the body-structure (s) kind.
    #[error(transparent)]
    InvalidIcf(#[from] crate::case::IcfError),
    /// A field of a command had a value the rules do not admit. The message names the
    /// field and the problem; the value is in its field only (it may be personal data).
    #[error("invalid {field}: {problem}")]
    InvalidInput {
        /// Which field.
        field: String,
        /// The value given, for the caller (never in the message).
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A period whose end lies before its start.
    #[error("invalid period for {what}: {from} .. {until}")]
    InvalidPeriod {
        /// What the period belongs to.
        what: String,
        /// Start as given.
        from: String,
        /// End as given.
        until: String,
    },
    /// A visit marked not done needs a coded reason, and free text when the reason is
    /// `Other` (seed 000, care worker TO-BE: "Kohustuslik on selgitus").
    #[error("a reason is required: {problem}")]
    ReasonRequired {
        /// What is missing.
        problem: String,
    },
    /// The one door refused the call.
    #[error("access denied to {action}: {reason}")]
    AccessDenied {
        /// The action that was asked for.
        action: String,
        /// Why it was refused.
        reason: DenyReason,
    },
    /// An object that the call names does not exist.
    #[error("{kind} {id} not found")]
    NotFound {
        /// Kind of object (`worker`, `client file`, ...).
        kind: String,
        /// Its id, or how it was looked for when the key is personal data.
        id: String,
        /// The key looked for when it is personal data (a personal code), for the
        /// caller; never in the message.
        value: Option<String>,
    },
    /// The call would contradict what is already recorded.
    #[error("conflict on {kind} {id}: {problem}")]
    Conflict {
        /// Kind of object.
        kind: String,
        /// Its id or key.
        id: String,
        /// What it contradicts.
        problem: String,
    },
    /// The store is already initialised; bootstrap runs once.
    #[error("the store is already initialised")]
    AlreadyInitialized,
    /// The database file was written by a newer TEHO than this one.
    #[error("database schema version {found} is newer than this TEHO supports ({supported})")]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// The file opened is not a TEHO database — missing, empty, not SQLite, or SQLite
    /// without TEHO's schema — and was left as it was: only an explicit create (`teho
    /// init`, the demo) makes one.
    #[error("not a TEHO database: {problem}")]
    NotATehoDatabase {
        /// What was found instead.
        problem: String,
    },
    /// The storage backend failed (I/O, corruption, lock timeout).
    #[error("storage failure: {message}")]
    Storage {
        /// The backend's message.
        message: String,
    },
    /// A bug: a state the code believed impossible.
    #[error("internal error: {message}")]
    Internal {
        /// What was found.
        message: String,
    },
}

impl TehoError {
    /// A short, stable code for the variant (`access_denied`, `not_found`, ...), for
    /// bindings, audit entries and scenario files.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidPersonalCode(_) => "invalid_personal_code",
            Self::InvalidRecurrence(_) => "invalid_recurrence",
            Self::InvalidIcf(_) => "invalid_icf",
            Self::InvalidInput { .. } => "invalid_input",
            Self::InvalidPeriod { .. } => "invalid_period",
            Self::ReasonRequired { .. } => "reason_required",
            Self::AccessDenied { .. } => "access_denied",
            Self::NotFound { .. } => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::AlreadyInitialized => "already_initialized",
            Self::SchemaTooNew { .. } => "schema_too_new",
            Self::NotATehoDatabase { .. } => "not_a_teho_database",
            Self::Storage { .. } => "storage",
            Self::Internal { .. } => "internal",
        }
    }

    pub(crate) fn not_found(kind: &str, id: impl ToString) -> Self {
        Self::NotFound {
            kind: kind.into(),
            id: id.to_string(),
            value: None,
        }
    }

    pub(crate) fn invalid(field: &str, value: impl ToString, problem: &str) -> Self {
        Self::InvalidInput {
            field: field.into(),
            value: value.to_string(),
            problem: problem.into(),
        }
    }
}

/// The name of a value of an enum as its serde form writes it (`CareWorker`,
/// `Calendar`; the variant's name for one that carries data): what messages, deny
/// reasons and stored texts use, never `Debug` text.
pub(crate) fn name_of<T: serde::Serialize + ?Sized>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(o)) => o.keys().next().cloned().unwrap_or_default(),
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use crate::access::{Action, DenyReason};
    use crate::org::Role;

    /// Errors carry no personal data in their messages: the value stays in the typed
    /// error's fields, for the caller (a personal code, an ICF code, any input value).
    #[test]
    fn errors_carry_no_personal_data_in_their_messages() {
        let code = "37605030298";
        let e: TehoError = crate::person::PersonalCode::parse(code).unwrap_err().into();
        assert!(!e.to_string().contains(code), "{e}");
        assert!(e.to_string().contains("expected 9"), "{e}");
        let e: TehoError = "s750.2".parse::<crate::case::IcfCode>().unwrap_err().into();
        assert!(!e.to_string().contains("s750"), "{e}");
        let e = TehoError::invalid("birth_date", "1938-03-03", "differs from the code");
        assert!(!e.to_string().contains("1938"), "{e}");
        assert!(matches!(&e, TehoError::InvalidInput { value, .. } if value == "1938-03-03"));
    }

    /// Deny reasons and actions read in words, never as `Debug` text (`Some(..)`, tuple
    /// syntax).
    #[test]
    fn deny_reasons_are_words_not_debug_text() {
        let texts = [
            DenyReason::RoleNotPermitted {
                role: Some(Role::SocialWorker),
                action: format!("{} on this target", Action::ReadAccessLog),
            }
            .to_string(),
            DenyReason::RoleNotPermitted {
                role: None,
                action: format!(
                    "{} as the operator",
                    Action::Read(
                        crate::access::DataCategory::Calendar,
                        crate::access::Visibility::Network
                    )
                ),
            }
            .to_string(),
            DenyReason::OutsideScope {
                role: Role::CareWorker,
                category: crate::access::DataCategory::Income,
            }
            .to_string(),
        ];
        assert_eq!(
            texts[0],
            "the role SocialWorker may not ReadAccessLog on this target"
        );
        assert_eq!(
            texts[1],
            "this actor may not read Calendar (Network) as the operator"
        );
        assert_eq!(
            texts[2],
            "Income is outside the scope of the role CareWorker"
        );
        for t in texts {
            assert!(!t.contains("Some(") && !t.contains("None"), "{t}");
        }
    }
}

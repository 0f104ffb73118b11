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
    /// A field of a command had a value the rules do not admit.
    #[error("invalid {field} {value:?}: {problem}")]
    InvalidInput {
        /// Which field.
        field: String,
        /// The value given (never a name or note text).
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
        /// Its id or key.
        id: String,
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
            Self::Storage { .. } => "storage",
            Self::Internal { .. } => "internal",
        }
    }

    pub(crate) fn not_found(kind: &str, id: impl ToString) -> Self {
        Self::NotFound {
            kind: kind.into(),
            id: id.to_string(),
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

//! What can go wrong in the store, split by who must act: the client (conflict,
//! not found) or the operator (database, configuration).

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{kind} {id} not found")]
    NotFound { kind: String, id: String },
    /// A client-visible conflict with a stable code (`duplicate_id`, `version_conflict`, …).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("configuration: {0}")]
    Config(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    pub(crate) fn not_found(kind: &str, id: &str) -> Self {
        Self::NotFound {
            kind: kind.to_string(),
            id: id.to_string(),
        }
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }

    /// A unique-constraint violation is the client's conflict, not a server fault.
    pub(crate) fn from_insert(error: sqlx::Error, code: &'static str, message: String) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::Conflict { code, message }
            }
            _ => Self::Database(error),
        }
    }
}

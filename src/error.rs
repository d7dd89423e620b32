//! The library's error type and the exit codes of DESIGN that every error maps to.

use std::fmt;

/// Exit codes shared by every command (DESIGN "Exit codes").
pub mod exit {
    pub const OK: i32 = 0;
    /// A check failed: health at or above `--fail-on`, an alert firing, a sync failed, `init` refusing.
    pub const FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    /// A required service is unavailable.
    pub const UNAVAILABLE: i32 = 69;
    pub const INTERNAL: i32 = 70;
    /// Another run holds the lock; try later.
    pub const TEMPFAIL: i32 = 75;
    pub const CONFIG: i32 = 78;
}

/// What went wrong, classified by what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad configuration: names the key. Exit 78.
    #[error("{message}")]
    Config {
        message: String,
        hint: Option<String>,
    },
    /// A service the command needs cannot be reached. Exit 69.
    #[error("{message}")]
    Unavailable {
        message: String,
        hint: Option<String>,
    },
    /// Another process holds the lock. Exit 75.
    #[error("{message}")]
    Locked {
        message: String,
        hint: Option<String>,
    },
    /// A check failed, or the command refused to act. Exit 1.
    #[error("{message}")]
    Failed {
        message: String,
        hint: Option<String>,
    },
    /// The command line asked for something that cannot be done. Exit 2.
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration error")]
    Migration(#[from] refinery::Error),
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
            hint: None,
        }
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Error::Unavailable {
            message: message.into(),
            hint: None,
        }
    }
    pub fn failed(message: impl Into<String>) -> Self {
        Error::Failed {
            message: message.into(),
            hint: None,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: None,
        }
    }
    pub fn locked(message: impl Into<String>) -> Self {
        Error::Locked {
            message: message.into(),
            hint: None,
        }
    }
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Attach a hint, printed as `hint: …` under the error.
    pub fn with_hint(mut self, text: impl Into<String>) -> Self {
        let text = Some(text.into());
        match &mut self {
            Error::Config { hint, .. }
            | Error::Unavailable { hint, .. }
            | Error::Locked { hint, .. }
            | Error::Failed { hint, .. }
            | Error::Usage { hint, .. } => *hint = text,
            _ => {}
        }
        self
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config { .. } => exit::CONFIG,
            Error::Unavailable { .. } => exit::UNAVAILABLE,
            Error::Locked { .. } => exit::TEMPFAIL,
            Error::Failed { .. } => exit::FAILED,
            Error::Usage { .. } => exit::USAGE,
            Error::Sqlite(e) if is_busy(e) => exit::TEMPFAIL,
            Error::Sqlite(_) | Error::Migration(_) | Error::Io { .. } | Error::Internal(_) => {
                exit::INTERNAL
            }
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Config { hint, .. }
            | Error::Unavailable { hint, .. }
            | Error::Locked { hint, .. }
            | Error::Failed { hint, .. }
            | Error::Usage { hint, .. } => hint.as_deref(),
            Error::Sqlite(e) if is_busy(e) => {
                Some("another process holds the database; try again in a moment")
            }
            _ => None,
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// How an error chain is shown to a person: `error: …`, `caused by: …` lines, then `hint: …`.
pub struct Report<'a> {
    pub error: &'a anyhow::Error,
    pub hint: Option<String>,
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chain = self.error.chain();
        if let Some(first) = chain.next() {
            writeln!(f, "error: {first}")?;
        }
        let mut last = self.error.to_string();
        for cause in chain {
            let text = cause.to_string();
            // Transparent wrappers repeat their source's message; say it once.
            if text != last {
                writeln!(f, "caused by: {text}")?;
            }
            last = text;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "hint: {hint}")?;
        }
        Ok(())
    }
}

/// The exit code and hint for an error chain: the first classified error in it decides.
pub fn classify(err: &anyhow::Error) -> (i32, Option<String>) {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Error>() {
            if matches!(e, Error::Sqlite(_) | Error::Io { .. }) && e.exit_code() == exit::INTERNAL {
                continue;
            }
            return (e.exit_code(), e.hint().map(str::to_owned));
        }
        if let Some(e) = cause.downcast_ref::<rusqlite::Error>()
            && is_busy(e)
        {
            return (
                exit::TEMPFAIL,
                Some("another process holds the database; try again in a moment".into()),
            );
        }
    }
    (exit::INTERNAL, None)
}

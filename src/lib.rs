//! vdt: live operational data for debugging Vertigo. The library holds every engine; the
//! binary in `main.rs` only parses, runs and maps the result to an exit code.

pub mod alerts;
pub mod api;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod firestore;
pub mod health;
pub mod lock;
pub mod logging;
pub mod metrics;
pub mod net;
pub mod output;
pub mod serve;
pub mod status;
pub mod store;
pub mod sync;
pub mod traces;
pub mod webhooks;

pub use error::{Error, Result};

//! The vdt library: every subcommand is a thin layer over these engines.

pub mod net;
pub mod webhooks;

//! Shared test support: the real binary in a clean environment, the Firestore emulator, a
//! fault-injecting proxy in front of it, and a local OAuth token endpoint.
//! Use from a test file with `mod support;`.

// Each test binary uses only part of the support code.
#![allow(dead_code)]

pub mod cli;
pub mod emulator;
pub mod fault_proxy;
pub mod hooks_env;
pub mod http;
pub mod mailsink;
pub mod receiver;
pub mod redis;
pub mod token_server;
pub mod xdg;

#[allow(unused_imports)] // only the alerts tests use these at the root
pub use xdg::{TestEnv, free_port, stderr, stdout};

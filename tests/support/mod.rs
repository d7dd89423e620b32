//! Shared helpers for the integration tests. Each test binary uses a part of them.
#![allow(dead_code)] // every test binary compiles this module but uses only some helpers

pub mod cli;

//! A clean environment for the real binary (used by the webhook tests).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary HOME with XDG dirs under it, and a `vdt` command that sees only it.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `vdt` with `env_clear()`, HOME and XDG_* inside the temp dir, and PATH for tools.
    pub fn vdt(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vdt"));
        let home = self.dir.path();
        cmd.env_clear()
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .current_dir(home);
        cmd
    }
}

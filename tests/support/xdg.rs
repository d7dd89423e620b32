//! A clean environment for the real binary with explicit XDG dirs and `VDT_CONFIG`/`VDT_DB`,
//! and free ports (used by the alerts tests).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary HOME with XDG dirs, a config path and a database path.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub db: PathBuf,
    pub extra_env: Vec<(String, String)>,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        for d in ["config", "data", "cache", "state"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let config = dir.path().join("config/vdt/config.toml");
        std::fs::create_dir_all(config.parent().unwrap()).unwrap();
        let db = dir.path().join("data/vdt/vdt.sqlite3");
        TestEnv {
            dir,
            config,
            db,
            extra_env: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(&self.config, text).unwrap();
    }

    pub fn env(&mut self, k: &str, v: &str) {
        self.extra_env.push((k.to_owned(), v.to_owned()));
    }

    /// The real binary with only this environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_vdt"));
        c.env_clear()
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_DATA_HOME", self.path().join("data"))
            .env("XDG_CACHE_HOME", self.path().join("cache"))
            .env("XDG_STATE_HOME", self.path().join("state"))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("VDT_CONFIG", &self.config)
            .env("VDT_DB", &self.db)
            .args(args);
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run vdt")
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

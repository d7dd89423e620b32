//! The command layer: one module per subcommand. Builds the runtime, prints, maps results to
//! exit codes; the engines beside it know nothing of the terminal.

pub mod alerts;
pub mod api;
pub mod cache;
pub mod completions;
pub mod config;
pub mod db;
pub mod health;
pub mod init;
pub mod man;
pub mod serve;
pub mod serve_webhooks;
pub mod status;
pub mod sync;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::{Env, Loaded};
use crate::error::exit;
use crate::output::Output;
use crate::store::{Store, StoreOptions};
use std::path::PathBuf;

/// What every command gets: the validated global flags, the environment, the output.
pub struct Ctx {
    pub global: GlobalArgs,
    pub env: Env,
    pub out: Output,
    pub config_path: PathBuf,
    /// `--config`/`VDT_CONFIG` was given, so a missing file is an error.
    pub config_explicit: bool,
    pub db_path: PathBuf,
}

impl Ctx {
    pub fn new(global: GlobalArgs, env: Env) -> Self {
        let out = Output::new(
            global.json,
            global.color,
            global.quiet > 0,
            env.get("NO_COLOR").is_some_and(|v| !v.is_empty()),
        );
        let config_explicit = global.config.is_some();
        let config_path = global
            .config
            .clone()
            .unwrap_or_else(|| crate::config::default_config_path(&env));
        let db_path = global
            .db
            .clone()
            .unwrap_or_else(|| crate::config::default_db_path(&env));
        Ctx {
            global,
            env,
            out,
            config_path,
            config_explicit,
            db_path,
        }
    }

    /// Load the config, warning on stderr about secret files others can read.
    pub fn load_config(&self) -> crate::error::Result<Loaded> {
        let loaded = crate::config::load(&self.config_path, self.config_explicit, &self.env)?;
        for w in &loaded.loose_files {
            tracing::warn!("{w}");
        }
        Ok(loaded)
    }

    pub fn store_options(&self, loaded: &Loaded) -> StoreOptions {
        StoreOptions {
            synchronous: loaded.config.store.synchronous,
            keep_backups: loaded.config.retention.backups,
        }
    }

    /// Open (and migrate) the database.
    pub fn open_store(&self, loaded: &Loaded) -> crate::error::Result<Store> {
        Store::open(&self.db_path, &self.store_options(loaded))
    }

    /// Look up an environment variable in the snapshot the command started with.
    pub fn env_var(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }

    /// A current-thread tokio runtime for commands that do I/O; the library never builds one.
    pub fn runtime(&self) -> anyhow::Result<tokio::runtime::Runtime> {
        Ok(tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?)
    }
}

/// Run the parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    // --help, --version and completions never touch config, database or network.
    match &cli.command {
        Command::Completions(args) => return completions::run(args),
        Command::Man(args) => return man::run(args),
        _ => {}
    }
    let env = crate::config::process_env();
    crate::logging::init(
        cli.global.verbose,
        cli.global.quiet,
        cli.global.log_format,
        match cli.global.color {
            crate::cli::ColorChoice::Always => true,
            crate::cli::ColorChoice::Never => false,
            crate::cli::ColorChoice::Auto => {
                use std::io::IsTerminal;
                env.get("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
            }
        },
        env.get("VDT_LOG").map(String::as_str),
    );
    let ctx = Ctx::new(cli.global, env);
    match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::Db(cmd) => db::run(&ctx, cmd),
        Command::Config(cmd) => config::run(&ctx, cmd),
        Command::Sync(args) => sync::run(&ctx, args),
        Command::ServeWebhooks(args) => serve_webhooks::run(&ctx, args),
        Command::Alerts(cmd) => alerts::run(&ctx, cmd),
        Command::Cache(cmd) => cache::run(&ctx, cmd),
        Command::Health(args) => health::run(&ctx, args),
        Command::Status(args) => status::run(&ctx, args),
        Command::Api(args) => api::run(&ctx, args),
        Command::Serve(args) => serve::run(&ctx, args),
        Command::Completions(_) | Command::Man(_) => unreachable!("handled above"),
    }
}

/// Print an error chain the DESIGN way and pick its exit code.
pub fn report_error(err: &anyhow::Error) -> i32 {
    if let Some(clap_err) = err.downcast_ref::<clap::Error>() {
        let _ = clap_err.print();
        return exit::USAGE;
    }
    let (code, hint) = crate::error::classify(err);
    eprint!("{}", crate::error::Report { error: err, hint });
    code
}

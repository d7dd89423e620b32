//! The command line: clap types only, so completions and man pages come from the same source.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Live operational data for debugging Vertigo: mirror Firestore into SQLite, receive signed
/// webhooks, cache hot reads in Redis, serve a REST API and live dashboard, raise threshold
/// alerts and check health — from a shell, cron, systemd timers, CI, or as a server.
#[derive(Debug, Parser)]
#[command(name = "vdt", version, propagate_version = true, max_term_width = 100)]
#[command(
    after_help = "Exit codes: 0 ok · 1 a check failed · 2 usage · 69 service unavailable · \
70 internal error · 75 locked, try later · 78 config error.\n\
Start with `vdt init`; `vdt <command> --help` explains each command."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]
    #[arg(long, global = true, env = "VDT_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]
    #[arg(long, global = true, env = "VDT_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Machine-readable JSON on stdout (people's text and logs stay on stderr)
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Less output: errors only
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub quiet: u8,
    /// When to use colour (NO_COLOR is respected unless this says always)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Log format on stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, value_name = "FORMAT")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up vdt: connection, collections, sync frequency; writes the config and database
    Init(InitArgs),
    /// Database: schema status, migrations, backup, restore, retention
    #[command(subcommand)]
    Db(DbCommand),
    /// Show and check the configuration; manage synced collections
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Mirror Firestore collections into SQLite (once, or --watch)
    Sync(SyncArgs),
    /// Receive signed webhooks on POST /hooks/{source}
    ServeWebhooks(BindArgs),
    /// Redis cache: statistics, lookups, flush, warm-up
    #[command(subcommand)]
    Cache(CacheCommand),
    /// REST API, Prometheus /metrics, OpenAPI document and the live dashboard
    Api(BindArgs),
    /// Threshold alerts: evaluate rules, list, history, acknowledge, silence
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// Health checks for people, cron and CI
    Health(HealthArgs),
    /// Terminal overview: collections, last sync, lag, webhooks, firing alerts
    Status(StatusArgs),
    /// Everything in one process: API, dashboard, webhooks, sync loop, alert loop, pruning
    Serve(ServeArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
    /// Write man pages into a directory
    Man(ManArgs),
}

#[derive(Debug, Args)]
#[command(after_help = "On a terminal, runs a 3-step wizard. For scripts:\n  \
vdt init --non-interactive --project demo --emulator-host 127.0.0.1:8432 \\\n    \
--collection vertigo_traces:traces --collection meetings:documents --sync-frequency 1m --skip-check")]
pub struct InitArgs {
    /// Never prompt; take everything from flags
    #[arg(long)]
    pub non_interactive: bool,
    /// Google Cloud project id
    #[arg(long, value_name = "ID")]
    pub project: Option<String>,
    /// Firestore emulator host:port (plain http, no credentials)
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "credentials")]
    pub emulator_host: Option<String>,
    /// Service-account JSON file
    #[arg(long, value_name = "PATH")]
    pub credentials: Option<PathBuf>,
    /// Collection to sync, NAME[:KIND[:CURSOR_FIELD]]; KIND is traces or documents (repeatable)
    #[arg(long = "collection", value_name = "SPEC")]
    pub collections: Vec<String>,
    /// How often collections sync: 30s, 1m, 5m or any duration
    #[arg(long, value_name = "DURATION")]
    pub sync_frequency: Option<String>,
    /// Do not test the Firestore connection
    #[arg(long)]
    pub skip_check: bool,
    /// Overwrite an existing config file
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Schema version, applied and pending migrations, integrity
    Status,
    /// Apply pending migrations (a backup is taken first when the database holds data)
    Migrate {
        /// Stop at this schema version
        #[arg(long, value_name = "VERSION")]
        to: Option<i32>,
    },
    /// Online backup of the database [default PATH: backups/ beside the database]
    Backup { path: Option<PathBuf> },
    /// Replace the database with a backup, after checking the backup's integrity
    Restore { path: PathBuf },
    /// Delete what [retention] says is old enough
    Prune {
        /// Count what would go, delete nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration, secrets redacted
    Show,
    /// Check the configuration; warnings for inline secrets and loose file modes
    Validate,
    /// Manage which Firestore collections sync, and how often
    #[command(subcommand)]
    Collections(CollectionsCommand),
}

#[derive(Debug, Subcommand)]
pub enum CollectionsCommand {
    /// List synced collections
    List,
    /// Add a collection to sync
    Add {
        name: String,
        /// traces (also projected into the traces table) or documents (raw only)
        #[arg(long, value_name = "KIND", default_value = "documents")]
        kind: String,
        /// How often it syncs [default: sync.default_frequency]
        #[arg(long, value_name = "DURATION")]
        frequency: Option<String>,
        /// Field for incremental sync [traces default: updated_at]
        #[arg(long, value_name = "FIELD")]
        cursor_field: Option<String>,
    },
    /// Change a collection's frequency, enabled flag or cursor field
    Set {
        name: String,
        #[arg(long, value_name = "DURATION")]
        frequency: Option<String>,
        #[arg(long, value_name = "BOOL")]
        enabled: Option<bool>,
        /// Cursor field; an empty value clears it (full re-list each run)
        #[arg(long, value_name = "FIELD")]
        cursor_field: Option<String>,
    },
    /// Stop syncing a collection (mirrored rows stay)
    Remove { name: String },
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only these collections (repeatable)
    #[arg(long = "collection", value_name = "NAME")]
    pub collections: Vec<String>,
    /// Re-read everything and reconcile deletes
    #[arg(long)]
    pub full: bool,
    /// Keep running, each collection at its own frequency
    #[arg(long)]
    pub watch: bool,
    /// Read from Firestore, write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct BindArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Hits, misses, keys and memory (exit 0 with connected:false when Redis is down)
    Stats,
    /// Show a cached value (KEY without the prefix)
    Get { key: String },
    /// Remove vdt's keys (only those under the prefix)
    Flush,
    /// Precompute the reads the API serves most
    Warm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum AlertFailOn {
    Warning,
    Critical,
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Evaluate every rule once and deliver notifications
    Check {
        /// Exit 1 when an alert fires at or above this severity
        #[arg(long, value_enum, value_name = "SEVERITY")]
        fail_on: Option<AlertFailOn>,
        /// Evaluate and report; send nothing, change no state
        #[arg(long)]
        dry_run: bool,
        /// Evaluate every alerts.interval
        #[arg(long)]
        watch: bool,
    },
    /// Current alerts and their state
    List {
        /// Include resolved and inactive alerts
        #[arg(long)]
        all: bool,
    },
    /// Past transitions, acknowledgements, silences and notifications
    History {
        /// How many events, newest first
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, value_name = "RULE")]
        rule: Option<String>,
    },
    /// Acknowledge a firing alert: mute it until it resolves
    Ack {
        id: i64,
        /// Who acknowledges [default: $USER]
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Mute a rule until a time
    Silence {
        rule: String,
        /// How long, e.g. 2h
        #[arg(long = "for", value_name = "DURATION")]
        for_: String,
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        comment: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HealthFailOn {
    Warn,
    Fail,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Only this check, e.g. sqlite:integrity (repeatable)
    #[arg(long = "check", value_name = "NAME")]
    pub checks: Vec<String>,
    /// Exit 1 when the overall status is at or above this
    #[arg(long, value_enum, default_value_t = HealthFailOn::Fail)]
    pub fail_on: HealthFailOn,
    /// Also write Prometheus text for node_exporter's textfile collector
    #[arg(long, value_name = "PATH")]
    pub textfile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Redraw every few seconds
    #[arg(long)]
    pub watch: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// API and dashboard address [default: api.bind]
    #[arg(long, value_name = "ADDR")]
    pub api_bind: Option<String>,
    /// Webhook address [default: webhooks.bind]
    #[arg(long, value_name = "ADDR")]
    pub webhooks_bind: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write vdt.1 and one page per subcommand into
    pub dir: PathBuf,
}

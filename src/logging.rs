//! Logs on stderr through tracing-subscriber: level from -v/-q or `VDT_LOG`, text or JSON.

use crate::cli::LogFormat;
use tracing_subscriber::EnvFilter;

pub fn init(verbose: u8, quiet: u8, format: LogFormat, color: bool, vdt_log: Option<&str>) {
    let level = match (verbose, quiet) {
        (_, q) if q > 0 => "error",
        (0, _) => "warn",
        (1, _) => "info",
        (2, _) => "debug",
        _ => "trace",
    };
    let filter = match vdt_log.filter(|v| !v.is_empty()) {
        Some(spec) => EnvFilter::try_new(spec).unwrap_or_else(|e| {
            eprintln!("warning: VDT_LOG={spec:?} is not a log filter ({e}); using {level}");
            EnvFilter::new(level)
        }),
        // tiny_http logs an ERROR each time its accept loop ends, which the webhook receiver
        // expects and handles (a new loop starts); see `webhooks::server::accept_loop`.
        None => EnvFilter::new(format!("{level},vdt={level},tiny_http=off")),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
        LogFormat::Text => builder.with_ansi(color).try_init(),
    };
}

//! `vdt serve-webhooks`: runs the webhook receiver until SIGTERM or SIGINT, then stops it
//! gracefully (stop accepting, answer what was received, commit the last batch, exit 0).

use super::Ctx;
use crate::cli::BindArgs;
use crate::error::Error;
use crate::webhooks::WebhookServer;
use std::net::SocketAddr;

pub fn run(ctx: &Ctx, args: BindArgs) -> anyhow::Result<i32> {
    let loaded = ctx.load_config()?;
    let mut cfg = loaded.config;
    if let Some(bind) = args.bind {
        bind.parse::<SocketAddr>().map_err(|_| {
            Error::usage(format!(
                "--bind {bind:?} is not an address such as 127.0.0.1:8081"
            ))
        })?;
        cfg.webhooks.bind = bind;
    }
    if cfg.webhooks.sources.is_empty() {
        ctx.out
            .warn("no [[webhooks.sources]] configured: every delivery will get 404");
    }
    let env = |name: &str| ctx.env_var(name);
    let handle = WebhookServer::start(&cfg, &ctx.db_path, &env)?;
    // Every committed batch that applied something is announced, so a running API (another
    // process sharing Redis) stops serving values cached before it.
    let cache = std::sync::Arc::new(crate::cache::Cache::from_config(&cfg)?);
    {
        let cache = std::sync::Arc::clone(&cache);
        handle.on_ingest(move |batch| {
            if batch.applied > 0 {
                cache.bump_generation();
            }
        });
    }
    let addr = handle.local_addr();
    ctx.out.note(&format!("listening on http://{addr}"));
    if ctx.global.json {
        ctx.out
            .json(&serde_json::json!({ "listening": addr.to_string() }));
    }
    // tokio's signal handling rather than a signal-hook dependency: tokio is already built in,
    // and the command layer owns the runtime; the receiver itself runs on plain threads.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let signal = rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.map(|()| "SIGINT"),
            _ = term.recv() => Ok("SIGTERM"),
        }
    })?;
    ctx.out.note(&format!(
        "{signal}: finishing deliveries in flight, then stopping"
    ));
    handle.shutdown()?;
    ctx.out.note("stopped");
    Ok(0)
}

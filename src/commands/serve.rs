//! `vdt serve`: everything in one process until SIGTERM/SIGINT (drain, exit 0); SIGHUP reloads
//! the config file.

use super::Ctx;
use crate::cli::ServeArgs;
use crate::error::Error;
use crate::serve::{Control, Event, Overrides, ServeSettings};
use std::net::SocketAddr;
use std::sync::Arc;

pub fn run(ctx: &Ctx, args: ServeArgs) -> anyhow::Result<i32> {
    let loaded = ctx.load_config()?;
    for (flag, value) in [
        ("--api-bind", &args.api_bind),
        ("--webhooks-bind", &args.webhooks_bind),
    ] {
        if let Some(v) = value {
            v.parse::<SocketAddr>().map_err(|_| {
                Error::usage(format!(
                    "{flag} {v:?} is not an address such as 127.0.0.1:8080"
                ))
            })?;
        }
    }
    let overrides = Overrides {
        api_bind: args.api_bind.clone(),
        webhooks_bind: args.webhooks_bind.clone(),
    };
    let mut config = loaded.config.clone();
    overrides.apply(&mut config);
    let settings = ServeSettings {
        config,
        config_path: loaded.path.clone(),
        db_path: ctx.db_path.clone(),
        env: ctx.env.clone(),
        store_options: ctx.store_options(&loaded),
        overrides,
    };
    let out = ctx.out;
    let events: crate::serve::EventFn = Arc::new(move |e| match e {
        Event::Listening { what, addr } => {
            out.note(&format!("{what}: listening on http://{addr}"));
            if out.json {
                out.json(&serde_json::json!({ "listening": addr.to_string(), "what": what }));
            }
        }
        Event::Sync(r) => {
            for c in r.collections.iter().filter(|c| c.error.is_some()) {
                out.warn(&format!(
                    "sync {}: {}",
                    c.name,
                    c.error.as_deref().unwrap_or_default()
                ));
            }
            if out.json {
                out.json(&serde_json::json!({ "sync": r }));
            }
        }
        Event::Alerts(r) => {
            if out.json && (!r.firing.is_empty() || !r.notifications.is_empty()) {
                out.json(&serde_json::json!({ "alerts": r }));
            }
        }
        Event::Pruned(r) => tracing::info!(?r.deleted, "pruned"),
        Event::Reloaded { sources } => {
            out.note(&format!(
                "SIGHUP: configuration reloaded; webhook sources: {}",
                if sources.is_empty() {
                    "none".to_owned()
                } else {
                    sources.join(", ")
                }
            ));
        }
        Event::ReloadFailed(e) => out.warn(&format!("SIGHUP: keeping the old configuration: {e}")),
        Event::Warning(w) => out.warn(&w),
    });
    let rt = ctx.runtime()?;
    rt.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let reload = Arc::new(tokio::sync::Notify::new());
        {
            let reload = Arc::clone(&reload);
            tokio::spawn(async move {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut term), Ok(mut hup)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::hangup()),
                ) else {
                    let _ = tokio::signal::ctrl_c().await;
                    let _ = stop_tx.send(true);
                    return;
                };
                loop {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => break,
                        _ = term.recv() => break,
                        _ = hup.recv() => reload.notify_one(),
                    }
                }
                out.note("stopping: finishing requests and the current pass");
                let _ = stop_tx.send(true);
            });
        }
        crate::serve::run(
            settings,
            Control {
                stop: stop_rx,
                reload,
            },
            events,
        )
        .await
    })?;
    ctx.out.note("stopped");
    Ok(0)
}

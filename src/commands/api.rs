//! `vdt api`: serve the REST API, Prometheus metrics, the OpenAPI document and the dashboard
//! until SIGINT or SIGTERM, then drain in-flight requests.

use super::Ctx;
use crate::api::ApiServer;
use crate::cli::BindArgs;
use crate::error::Error;
use std::net::SocketAddr;

pub fn run(ctx: &Ctx, args: BindArgs) -> anyhow::Result<i32> {
    let loaded = ctx.load_config()?;
    let raw = args.bind.unwrap_or_else(|| loaded.config.api.bind.clone());
    let bind: SocketAddr = raw.parse().map_err(|_| {
        Error::usage(format!(
            "--bind {raw:?}: not an address such as 127.0.0.1:8080"
        ))
    })?;
    let rt = ctx.runtime()?;
    let _guard = rt.enter();
    let handle = ApiServer::new(loaded.config.clone(), &ctx.db_path, ctx.env.clone())
        .store_options(ctx.store_options(&loaded))
        .run(bind)?;
    let addr = handle.local_addr();
    ctx.out.note(&format!("listening on http://{addr}"));
    if ctx.out.json {
        ctx.out
            .json(&serde_json::json!({ "listening": addr.to_string() }));
    }
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        Ok::<_, std::io::Error>(())
    })
    .map_err(|e| Error::io("cannot wait for signals", e))?;
    ctx.out.note("stopping: answering requests in flight");
    handle.shutdown()?;
    Ok(0)
}

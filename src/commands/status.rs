//! `vdt status [--watch]`: the terminal overview — collections with last sync, lag and
//! records; webhook deliveries of the last hour by status; firing alerts.

use super::Ctx;
use crate::cli::StatusArgs;
use crate::status::{self, Overview};
use std::io::IsTerminal;
use std::time::Duration;

/// How often `--watch` redraws.
const WATCH_INTERVAL: Duration = Duration::from_secs(2);

pub fn run(ctx: &Ctx, args: StatusArgs) -> anyhow::Result<i32> {
    let loaded = ctx.load_config()?;
    let store = ctx.open_store(&loaded)?;
    let tty = std::io::stdout().is_terminal();
    loop {
        let o = status::overview(&store, &loaded.config, chrono::Utc::now())?;
        if ctx.out.json {
            ctx.out.json(&o);
        } else if args.watch && tty {
            // Home the cursor and clear, then draw: redrawn in place instead of scrolling.
            ctx.out.data(&format!("\x1b[H\x1b[2J{}", render(ctx, &o)));
        } else {
            ctx.out.data(&render(ctx, &o));
        }
        if !args.watch {
            return Ok(0);
        }
        std::thread::sleep(WATCH_INTERVAL);
        if !ctx.out.json && !tty {
            ctx.out.data("");
        }
    }
}

fn ago(seconds: Option<u64>) -> String {
    seconds.map_or("never".to_owned(), |s| {
        crate::net::format_duration(Duration::from_secs(s))
    })
}

fn render(ctx: &Ctx, o: &Overview) -> String {
    let now = chrono::DateTime::parse_from_rfc3339(&o.generated_at).ok();
    let since = |t: &Option<String>| -> Option<u64> {
        let t = chrono::DateTime::parse_from_rfc3339(t.as_deref()?).ok()?;
        Some((now? - t).num_seconds().max(0) as u64)
    };
    let mut out = format!("vdt {} — {}\n", o.version, o.generated_at);
    if !o.features.live_data_enabled {
        out.push_str("live data is disabled (LIVE_DATA_ENABLED=false): sync is off\n");
    }
    let mut t = ctx.out.table(&[
        "collection",
        "kind",
        "enabled",
        "every",
        "last sync",
        "result",
        "lag",
        "records",
    ]);
    for c in &o.collections {
        t.add_row(vec![
            c.name.clone(),
            c.kind.clone(),
            if c.enabled { "yes" } else { "no" }.to_owned(),
            crate::net::format_duration(Duration::from_secs(c.sync_frequency)),
            since(&c.last_sync).map_or("never".to_owned(), |s| format!("{} ago", ago(Some(s)))),
            match (&c.last_status, &c.last_error) {
                (Some(s), Some(e)) if s == "error" => format!("error: {e}"),
                (Some(s), _) => s.clone(),
                (None, _) => "-".to_owned(),
            },
            ago(c.lag_seconds),
            c.records.to_string(),
        ]);
    }
    if o.collections.is_empty() {
        out.push_str("no collections configured (add one with `vdt config collections add`)\n");
    } else {
        out.push_str(&format!("{t}\n"));
    }
    let by: Vec<String> = o
        .webhooks
        .by_status
        .iter()
        .map(|(code, n)| format!("{code}: {n}"))
        .collect();
    out.push_str(&format!(
        "webhooks, last hour: {} deliveries, {} rejected{}\n",
        o.webhooks.total,
        o.webhooks.rejected,
        if by.is_empty() {
            String::new()
        } else {
            format!(" ({})", by.join(", "))
        }
    ));
    if o.alerts.is_empty() {
        out.push_str("no alerts firing\n");
    } else {
        let mut a = ctx
            .out
            .table(&["alert", "rule", "severity", "value", "firing since"]);
        for al in &o.alerts {
            a.add_row(vec![
                al.id.to_string(),
                al.rule.clone(),
                al.severity.clone(),
                al.value.map_or("-".to_owned(), |v| v.to_string()),
                al.since.clone().unwrap_or_default(),
            ]);
        }
        out.push_str(&format!("firing alerts:\n{a}\n"));
    }
    out
}

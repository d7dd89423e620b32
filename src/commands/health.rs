//! `vdt health`: run the health engine once; print the health+json document or a table, write
//! the Prometheus textfile, exit 1 at or above `--fail-on`.

use super::Ctx;
use crate::cli::{HealthArgs, HealthFailOn};
use crate::error::{Error, exit};
use crate::health::{self, HealthInput, HealthReport, Status};
use std::io::Write;
use std::path::Path;

pub fn run(ctx: &Ctx, args: HealthArgs) -> anyhow::Result<i32> {
    // Validate before any I/O.
    let unknown = health::unknown_checks(&args.checks);
    if !unknown.is_empty() {
        return Err(Error::usage(format!(
            "unknown check{} {}",
            if unknown.len() > 1 { "s" } else { "" },
            unknown
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint(format!("valid checks: {}", health::CHECKS.join(", ")))
        .into());
    }
    let loaded = ctx.load_config()?;
    let configured = health::configured_checks(&loaded.config);
    for name in &args.checks {
        if !configured.contains(&name.as_str()) {
            ctx.out
                .note(&format!("{name}: its service is not configured; left out"));
        }
    }
    let mut input = HealthInput::new(&ctx.db_path, loaded.config);
    input.only = args.checks.clone();
    let started = chrono::Utc::now();
    let report = ctx.runtime()?.block_on(health::run_once(&input));
    if let Some(path) = &args.textfile {
        write_atomically(path, &health::prometheus_text(&report, started))?;
    }
    if ctx.out.json {
        ctx.out.json(&report);
    } else {
        ctx.out.data(&table(ctx, &report));
    }
    let threshold = match args.fail_on {
        HealthFailOn::Warn => Status::Warn,
        HealthFailOn::Fail => Status::Fail,
    };
    Ok(if report.status >= threshold {
        exit::FAILED
    } else {
        exit::OK
    })
}

fn table(ctx: &Ctx, report: &HealthReport) -> String {
    let mut t = ctx
        .out
        .table(&["check", "component", "status", "observed", "detail"]);
    for name in health::CHECKS {
        for c in report.checks.get(name).into_iter().flatten() {
            let observed = match (&c.observed_value, &c.observed_unit) {
                (serde_json::Value::Null, _) => "-".to_owned(),
                (serde_json::Value::String(s), _) => s.clone(),
                (v, Some(unit)) if unit == "percent" => format!("{v} %"),
                (v, Some(unit)) => format!("{v} {unit}"),
                (v, None) => v.to_string(),
            };
            t.add_row(vec![
                name.to_owned(),
                c.component_id.clone().unwrap_or_default(),
                paint(ctx, c.status),
                observed,
                c.output.clone().unwrap_or_default(),
            ]);
        }
    }
    format!("{t}\noverall: {}", paint(ctx, report.status))
}

fn paint(ctx: &Ctx, s: Status) -> String {
    if !ctx.out.color {
        return s.as_str().to_owned();
    }
    let code = match s {
        Status::Pass => "32",
        Status::Warn => "33",
        Status::Fail => "31",
    };
    format!("\x1b[{code}m{}\x1b[0m", s.as_str())
}

/// Write `text` to `path` so a reader (node_exporter) sees the old file or the new one, never
/// half of one: a temp file in the same directory (same filesystem, so rename is atomic),
/// fsync, rename. The temp name does not end in `.prom`, so the collector ignores it.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::usage(format!("--textfile {}: not a file path", path.display())))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        // node_exporter often runs as another user: the file must be readable to it.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(format!("cannot write {}", path.display()), e).into());
    }
    Ok(())
}

//! `vdt config show|validate` and `vdt config collections list|add|set|remove`.

use super::Ctx;
use crate::cli::{CollectionsCommand, ConfigCommand};
use crate::config::{CollectionKind, TRACES_DEFAULT_CURSOR};
use crate::error::Error;
use crate::store::collections::{CollectionChange, CollectionRow};
use serde_json::json;

pub fn run(ctx: &Ctx, cmd: ConfigCommand) -> anyhow::Result<i32> {
    match cmd {
        ConfigCommand::Show => {
            let loaded = ctx.load_config()?;
            let shown = loaded.config.redacted();
            if ctx.out.json {
                ctx.out.json(&shown);
            } else {
                if !loaded.file_found {
                    ctx.out.note(&format!(
                        "# no config file at {}; showing built-in defaults and environment",
                        loaded.path.display()
                    ));
                }
                ctx.out.data(&toml::to_string_pretty(&shown)?);
            }
            Ok(0)
        }
        ConfigCommand::Validate => {
            // Not `ctx.load_config()`: validate lists every warning itself, once.
            let loaded = crate::config::load(&ctx.config_path, ctx.config_explicit, &ctx.env)?;
            let mut warnings = loaded.warnings.clone();
            warnings.extend(crate::config::check_secrets(&loaded.config, &|n| {
                ctx.env_var(n)
            })?);
            if ctx.out.json {
                ctx.out.json(&json!({
                    "valid": true,
                    "path": loaded.path.display().to_string(),
                    "file_found": loaded.file_found,
                    "warnings": warnings,
                }));
            } else {
                for w in &warnings {
                    ctx.out.warn(w);
                }
                let source = if loaded.file_found {
                    loaded.path.display().to_string()
                } else {
                    format!("defaults (no file at {})", loaded.path.display())
                };
                ctx.out.note(&format!("config ok: {source}"));
            }
            Ok(0)
        }
        ConfigCommand::Collections(cmd) => collections(ctx, cmd),
    }
}

fn collections(ctx: &Ctx, cmd: CollectionsCommand) -> anyhow::Result<i32> {
    let loaded = ctx.load_config()?;
    let mut store = ctx.open_store(&loaded)?;
    let default_freq = loaded.config.sync.default_frequency.0.as_secs().max(1);
    match cmd {
        CollectionsCommand::List => {
            let rows = store.collections()?;
            if ctx.out.json {
                ctx.out.json(&json!({ "collections": rows }));
            } else if rows.is_empty() {
                ctx.out.note(
                    "no collections configured; add one with `vdt config collections add NAME`",
                );
            } else {
                let mut t =
                    ctx.out
                        .table(&["name", "kind", "frequency", "enabled", "cursor field"]);
                for r in &rows {
                    t.add_row(vec![
                        r.name.clone(),
                        r.kind.clone(),
                        crate::net::format_duration(std::time::Duration::from_secs(
                            r.sync_frequency,
                        )),
                        if r.enabled { "yes" } else { "no" }.into(),
                        r.cursor_field.clone().unwrap_or_else(|| "-".into()),
                    ]);
                }
                ctx.out.data(&t.to_string());
            }
            Ok(0)
        }
        CollectionsCommand::Add {
            name,
            kind,
            frequency,
            cursor_field,
        } => {
            let kind: CollectionKind = kind.parse().map_err(Error::usage)?;
            let freq = match frequency {
                Some(f) => parse_frequency(&f)?,
                None => default_freq,
            };
            let cursor = cursor_field.filter(|c| !c.is_empty()).or_else(|| {
                (kind == CollectionKind::Traces).then(|| TRACES_DEFAULT_CURSOR.to_owned())
            });
            let row = store.add_collection(&name, kind, freq, cursor.as_deref())?;
            crate::cache::announce_write(&loaded.config);
            show_row(ctx, &row, "added");
            Ok(0)
        }
        CollectionsCommand::Set {
            name,
            frequency,
            enabled,
            cursor_field,
        } => {
            if frequency.is_none() && enabled.is_none() && cursor_field.is_none() {
                return Err(Error::usage("nothing to change")
                    .with_hint("give --frequency, --enabled or --cursor-field")
                    .into());
            }
            let change = CollectionChange {
                sync_frequency: frequency.as_deref().map(parse_frequency).transpose()?,
                enabled,
                cursor_field: cursor_field.map(|c| (!c.is_empty()).then_some(c)),
            };
            let row = store.set_collection(&name, &change)?;
            crate::cache::announce_write(&loaded.config);
            show_row(ctx, &row, "updated");
            Ok(0)
        }
        CollectionsCommand::Remove { name } => {
            store.remove_collection(&name)?;
            crate::cache::announce_write(&loaded.config);
            if ctx.out.json {
                ctx.out.json(&json!({ "removed": name }));
            } else {
                ctx.out.note(&format!(
                    "removed {name}; its mirrored rows stay in the database"
                ));
            }
            Ok(0)
        }
    }
}

fn show_row(ctx: &Ctx, row: &CollectionRow, verb: &str) {
    if ctx.out.json {
        ctx.out.json(row);
    } else {
        ctx.out.note(&format!(
            "{verb} {}: {}, every {}, {}{}",
            row.name,
            row.kind,
            crate::net::format_duration(std::time::Duration::from_secs(row.sync_frequency)),
            if row.enabled { "enabled" } else { "disabled" },
            row.cursor_field
                .as_deref()
                .map(|c| format!(", cursor {c}"))
                .unwrap_or_default()
        ));
    }
}

/// A sync frequency: a duration of at least one second.
pub fn parse_frequency(s: &str) -> crate::Result<u64> {
    let d = crate::net::parse_duration(s).map_err(Error::usage)?;
    if d.as_secs() < 1 || d.subsec_millis() != 0 && d.as_secs() == 0 {
        return Err(Error::usage(format!(
            "sync frequency {s:?} is under one second"
        )));
    }
    Ok(d.as_secs())
}

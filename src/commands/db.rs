//! `vdt db status|migrate|backup|restore|prune`.

use super::Ctx;
use crate::cli::DbCommand;
use crate::store::Store;
use serde_json::json;

pub fn run(ctx: &Ctx, cmd: DbCommand) -> anyhow::Result<i32> {
    let loaded = ctx.load_config()?;
    let opts = ctx.store_options(&loaded);
    match cmd {
        DbCommand::Status => {
            // Reports what is pending instead of applying it.
            let store = Store::open_unmigrated(&ctx.db_path, &opts)?;
            let status = store.status()?;
            if ctx.out.json {
                ctx.out.json(&status);
            } else {
                let mut t = ctx.out.table(&["", ""]);
                t.set_header(vec!["database", &status.db_path]);
                t.add_row(vec![
                    "schema version".to_string(),
                    status
                        .schema_version
                        .map_or("none".into(), |v| v.to_string()),
                ]);
                t.add_row(vec![
                    "applied".to_string(),
                    names(&status.applied).unwrap_or_else(|| "none".into()),
                ]);
                t.add_row(vec![
                    "pending".to_string(),
                    names(&status.pending).unwrap_or_else(|| "none".into()),
                ]);
                t.add_row(vec!["integrity".to_string(), status.integrity.clone()]);
                ctx.out.data(&t.to_string());
                if !status.pending.is_empty() {
                    ctx.out
                        .note("hint: apply pending migrations with `vdt db migrate`");
                }
            }
            Ok(if status.integrity == "ok" { 0 } else { 1 })
        }
        DbCommand::Migrate { to } => {
            let mut store = Store::open_unmigrated(&ctx.db_path, &opts)?;
            let before = store.pending()?;
            let backup = store.migrate(&opts, to)?;
            let after = store.pending()?;
            let applied: Vec<_> = before
                .iter()
                .filter(|m| !after.iter().any(|a| a.version == m.version))
                .cloned()
                .collect();
            if ctx.out.json {
                ctx.out.json(&json!({
                    "applied": applied,
                    "pending": after,
                    "backup": backup.as_ref().map(|p| p.display().to_string()),
                }));
            } else {
                match names(&applied) {
                    Some(n) => ctx.out.note(&format!("applied: {n}")),
                    None => ctx.out.note("nothing to apply: the schema is current"),
                }
                if let Some(b) = backup {
                    ctx.out
                        .note(&format!("backup taken first: {}", b.display()));
                }
            }
            Ok(0)
        }
        DbCommand::Backup { path } => {
            let store = ctx.open_store(&loaded)?;
            let dest = path.unwrap_or_else(|| {
                store.backup_dir().join(format!(
                    "vdt-{}.sqlite3",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
                ))
            });
            store.backup_to(&dest)?;
            if ctx.out.json {
                ctx.out.json(&json!({"backup": dest.display().to_string()}));
            } else {
                ctx.out.data(&dest.display().to_string());
            }
            Ok(0)
        }
        DbCommand::Restore { path } => {
            let mut store = Store::open_unmigrated(&ctx.db_path, &opts)?;
            let kept = store.restore_from(&path, &opts)?;
            crate::cache::announce_write(&loaded.config);
            if ctx.out.json {
                ctx.out.json(&json!({
                    "restored": path.display().to_string(),
                    "previous_saved_as": kept.display().to_string(),
                }));
            } else {
                ctx.out.note(&format!(
                    "restored {} into {}; the previous database is saved as {}",
                    path.display(),
                    ctx.db_path.display(),
                    kept.display()
                ));
            }
            Ok(0)
        }
        DbCommand::Prune { dry_run } => {
            let mut store = ctx.open_store(&loaded)?;
            let retention = crate::store::prune::Retention::from_config(&loaded.config.retention);
            let mut report = store.prune(&retention, chrono::Utc::now(), dry_run)?;
            if !dry_run {
                report.backups_removed = store.prune_backups(loaded.config.retention.backups)?;
                crate::cache::announce_write(&loaded.config);
            }
            if ctx.out.json {
                ctx.out.json(&report);
            } else {
                let mut t = ctx
                    .out
                    .table(&["table", if dry_run { "would delete" } else { "deleted" }]);
                for (table, n) in &report.deleted {
                    t.add_row(vec![table.to_string(), n.to_string()]);
                }
                ctx.out.data(&t.to_string());
                if !dry_run {
                    ctx.out
                        .note(&format!("old backups removed: {}", report.backups_removed));
                }
            }
            Ok(0)
        }
    }
}

fn names(list: &[crate::store::MigrationInfo]) -> Option<String> {
    (!list.is_empty()).then(|| {
        list.iter()
            .map(|m| format!("V{}__{}", m.version, m.name))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

//! `live_data_config`: which collections sync, how often, of which kind, by which cursor.

use super::{Store, now};
use crate::config::CollectionKind;
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// One row of `live_data_config`, as `config collections list --json` shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CollectionRow {
    pub name: String,
    pub kind: String,
    /// Seconds.
    pub sync_frequency: u64,
    pub enabled: bool,
    pub cursor_field: Option<String>,
    #[serde(skip)]
    pub created_at: String,
}

/// What `set` / `PATCH /api/v1/config` may change.
#[derive(Debug, Clone, Default)]
pub struct CollectionChange {
    pub sync_frequency: Option<u64>,
    pub enabled: Option<bool>,
    /// `Some(None)` clears the cursor field.
    pub cursor_field: Option<Option<String>>,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CollectionRow> {
    Ok(CollectionRow {
        name: r.get(0)?,
        sync_frequency: r.get::<_, i64>(1)? as u64,
        enabled: r.get(2)?,
        kind: r.get(3)?,
        cursor_field: r.get(4)?,
        created_at: r.get(5)?,
    })
}

const COLUMNS: &str =
    "firestore_collection, sync_frequency, enabled, kind, cursor_field, created_at";

impl Store {
    pub fn collections(&self) -> Result<Vec<CollectionRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM live_data_config ORDER BY firestore_collection"
        ))?;
        Ok(stmt.query_map([], row)?.collect::<rusqlite::Result<_>>()?)
    }

    pub fn collection(&self, name: &str) -> Result<Option<CollectionRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM live_data_config WHERE firestore_collection = ?1"),
                [name],
                row,
            )
            .optional()?)
    }

    /// Add a collection; an existing name is an error (use `set`).
    pub fn add_collection(
        &mut self,
        name: &str,
        kind: CollectionKind,
        frequency_secs: u64,
        cursor_field: Option<&str>,
    ) -> Result<CollectionRow> {
        super::check_collection_name(name).map_err(Error::usage)?;
        check_frequency(frequency_secs)?;
        if self.collection(name)?.is_some() {
            return Err(
                Error::failed(format!("collection {name:?} is already configured")).with_hint(
                    format!("change it with `vdt config collections set {name} …`"),
                ),
            );
        }
        self.conn.execute(
            "INSERT INTO live_data_config (firestore_collection, sync_frequency, enabled, created_at, kind, cursor_field)
             VALUES (?1, ?2, 1, ?3, ?4, ?5)",
            params![name, frequency_secs as i64, now(), kind.as_str(), cursor_field],
        )?;
        Ok(self.collection(name)?.expect("just inserted"))
    }

    /// Insert or replace, for `init`'s seeding.
    pub fn upsert_collection(
        &mut self,
        name: &str,
        kind: CollectionKind,
        frequency_secs: u64,
        cursor_field: Option<&str>,
    ) -> Result<()> {
        super::check_collection_name(name).map_err(Error::usage)?;
        check_frequency(frequency_secs)?;
        self.conn.execute(
            "INSERT INTO live_data_config (firestore_collection, sync_frequency, enabled, created_at, kind, cursor_field)
             VALUES (?1, ?2, 1, ?3, ?4, ?5)
             ON CONFLICT (firestore_collection) DO UPDATE SET
                sync_frequency = excluded.sync_frequency, kind = excluded.kind,
                cursor_field = excluded.cursor_field",
            params![name, frequency_secs as i64, now(), kind.as_str(), cursor_field],
        )?;
        Ok(())
    }

    /// Apply a change; a missing collection is an error naming it.
    pub fn set_collection(
        &mut self,
        name: &str,
        change: &CollectionChange,
    ) -> Result<CollectionRow> {
        if let Some(f) = change.sync_frequency {
            check_frequency(f)?;
        }
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE live_data_config SET
                    sync_frequency = COALESCE(?2, sync_frequency),
                    enabled = COALESCE(?3, enabled),
                    cursor_field = CASE WHEN ?4 THEN ?5 ELSE cursor_field END
                 WHERE firestore_collection = ?1",
                params![
                    name,
                    change.sync_frequency.map(|f| f as i64),
                    change.enabled,
                    change.cursor_field.is_some(),
                    change.cursor_field.clone().flatten(),
                ],
            )?;
            if n == 0 {
                return Err(not_found(name));
            }
            Ok(())
        })?;
        Ok(self.collection(name)?.expect("updated"))
    }

    /// Apply several changes in one transaction: all of them, or none when a name is missing
    /// (the error names the first missing one) or a frequency is out of range.
    pub fn set_collections(
        &mut self,
        changes: &[(String, CollectionChange)],
    ) -> Result<Vec<CollectionRow>> {
        for (_, change) in changes {
            if let Some(f) = change.sync_frequency {
                check_frequency(f)?;
            }
        }
        self.write(|tx| {
            for (name, change) in changes {
                let n = tx.execute(
                    "UPDATE live_data_config SET
                        sync_frequency = COALESCE(?2, sync_frequency),
                        enabled = COALESCE(?3, enabled),
                        cursor_field = CASE WHEN ?4 THEN ?5 ELSE cursor_field END
                     WHERE firestore_collection = ?1",
                    params![
                        name,
                        change.sync_frequency.map(|f| f as i64),
                        change.enabled,
                        change.cursor_field.is_some(),
                        change.cursor_field.clone().flatten(),
                    ],
                )?;
                if n == 0 {
                    return Err(not_found(name));
                }
            }
            Ok(())
        })?;
        self.collections()
    }

    pub fn remove_collection(&mut self, name: &str) -> Result<()> {
        let n = self.conn.execute(
            "DELETE FROM live_data_config WHERE firestore_collection = ?1",
            [name],
        )?;
        if n == 0 {
            return Err(not_found(name));
        }
        Ok(())
    }
}

pub fn not_found(name: &str) -> Error {
    Error::failed(format!("collection {name:?} is not configured"))
        .with_hint("list them with `vdt config collections list`")
}

fn check_frequency(secs: u64) -> Result<()> {
    if secs < 1 {
        return Err(Error::usage("sync frequency must be at least 1 second"));
    }
    if secs > i64::MAX as u64 {
        return Err(Error::usage("sync frequency is too large"));
    }
    Ok(())
}

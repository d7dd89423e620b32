//! The foundation as a user meets it: init, layered config, the database's migrations, backup
//! and restore, collections, completions — all through the real binary.

mod support;

use serde::Deserialize;
use std::os::unix::fs::PermissionsExt;
use support::cli::{TestEnv, assert_code, count, stderr, stdout};

const INIT: &[&str] = &[
    "init",
    "--non-interactive",
    "--project",
    "demo",
    "--emulator-host",
    "127.0.0.1:8432",
    "--collection",
    "vertigo_traces:traces",
    "--collection",
    "meetings:documents",
    "--sync-frequency",
    "1m",
    "--skip-check",
];

fn columns(db: &std::path::Path, table: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn init_writes_private_config_and_seeded_database() {
    let env = TestEnv::new();
    let o = env.run(INIT);
    assert_code(&o, 0);
    let cfg = env.config_path();
    let mode = std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "config mode");
    let db = env.db_path();
    for (table, cols) in [
        (
            "live_data_config",
            &[
                "id",
                "firestore_collection",
                "sync_frequency",
                "enabled",
                "created_at",
            ][..],
        ),
        (
            "sync_status",
            &[
                "id",
                "collection_name",
                "last_sync",
                "status",
                "error_message",
                "records_synced",
            ][..],
        ),
        (
            "webhook_logs",
            &[
                "id",
                "source",
                "payload",
                "status_code",
                "processed_at",
                "processing_time_ms",
            ][..],
        ),
    ] {
        let have = columns(&db, table);
        for c in cols {
            assert!(have.iter().any(|h| h == c), "{table} lacks {c}: {have:?}");
        }
    }
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM live_data_config WHERE sync_frequency = 60 AND enabled = 1"
        ),
        2
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM live_data_config WHERE firestore_collection = 'vertigo_traces' AND kind = 'traces' AND cursor_field = 'updated_at'"
        ),
        1
    );
    // The status CHECK is in force.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let bad = conn.execute(
        "INSERT INTO sync_status (collection_name, last_sync, status) VALUES ('x', 'now', 'done')",
        [],
    );
    assert!(bad.is_err(), "status CHECK must reject 'done'");
}

#[test]
fn init_again_without_force_changes_nothing() {
    let env = TestEnv::new();
    assert_code(&env.run(INIT), 0);
    let before = std::fs::read(env.config_path()).unwrap();
    let rows_before = count(&env.db_path(), "SELECT count(*) FROM live_data_config");
    let mut again = INIT.to_vec();
    again.extend(["--collection", "extra"]);
    let o = env.run(&again);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("--force"),
        "names --force: {}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(env.config_path()).unwrap(), before);
    assert_eq!(
        count(&env.db_path(), "SELECT count(*) FROM live_data_config"),
        rows_before
    );
    // With --force it overwrites.
    let mut forced = again.clone();
    forced.push("--force");
    assert_code(&env.run(&forced), 0);
    assert!(
        std::fs::read_to_string(env.config_path())
            .unwrap()
            .contains("extra")
    );
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // fields are read by Debug and by deserialization itself
struct DbStatus {
    db_path: String,
    schema_version: Option<i32>,
    applied: Vec<Migration>,
    pending: Vec<Migration>,
    integrity: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // shape check
struct Migration {
    version: i32,
    name: String,
    applied_on: Option<String>,
}

#[test]
fn db_status_json_has_the_design_shape() {
    let env = TestEnv::new();
    assert_code(&env.run(INIT), 0);
    let o = env.run(&["--json", "db", "status"]);
    assert_code(&o, 0);
    let s: DbStatus = serde_json::from_str(&stdout(&o)).expect("db status shape");
    assert_eq!(s.integrity, "ok");
    assert!(s.pending.is_empty());
    assert_eq!(s.schema_version, s.applied.last().map(|m| m.version));
    assert!(s.applied.len() >= 3);
}

#[test]
fn backup_then_restore_keeps_rows_and_corrupt_restore_is_refused() {
    let env = TestEnv::new();
    assert_code(&env.run(INIT), 0);
    let backup = env.home().join("b1.sqlite3");
    assert_code(&env.run(&["db", "backup", backup.to_str().unwrap()]), 0);
    // Change the live database after the backup.
    assert_code(
        &env.run(&["config", "collections", "remove", "meetings"]),
        0,
    );
    assert_eq!(
        count(&env.db_path(), "SELECT count(*) FROM live_data_config"),
        1
    );
    let o = env.run(&["db", "restore", backup.to_str().unwrap()]);
    assert_code(&o, 0);
    assert_eq!(
        count(&env.db_path(), "SELECT count(*) FROM live_data_config"),
        2
    );
    // The replaced database was kept.
    let kept: Vec<_> = std::fs::read_dir(env.db_path().parent().unwrap().join("backups"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("pre-restore"))
        .collect();
    assert_eq!(kept.len(), 1);

    // A corrupt file and a foreign SQLite file are refused, the live DB untouched.
    let corrupt = env.home().join("corrupt.sqlite3");
    let mut bytes = std::fs::read(&backup).unwrap();
    for b in bytes.iter_mut().skip(100).take(4000) {
        *b = 0xA5;
    }
    std::fs::write(&corrupt, &bytes).unwrap();
    let foreign = env.home().join("foreign.sqlite3");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    let garbage = env.home().join("garbage.sqlite3");
    std::fs::write(&garbage, b"not a database at all").unwrap();
    let live_before = std::fs::read(env.db_path()).unwrap();
    for bad in [&corrupt, &foreign, &garbage] {
        let o = env.run(&["db", "restore", bad.to_str().unwrap()]);
        assert_code(&o, 1);
        assert!(stderr(&o).contains("refusing to restore"), "{}", stderr(&o));
    }
    assert_eq!(std::fs::read(env.db_path()).unwrap(), live_before);
    assert_eq!(
        count(&env.db_path(), "SELECT count(*) FROM live_data_config"),
        2
    );
}

#[test]
fn migrating_a_database_with_data_backs_it_up_first() {
    let env = TestEnv::new();
    let db = env.db_path();
    assert_code(&env.run(&["db", "migrate", "--to", "1"]), 0);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO live_data_config (firestore_collection, sync_frequency) VALUES ('old_rows', 45)",
        [],
    )
    .unwrap();
    drop(conn);
    // Any command that opens the database migrates it, backing up first.
    let o = env.run(&["config", "collections", "list", "--json"]);
    assert_code(&o, 0);
    let backups: Vec<_> = std::fs::read_dir(db.parent().unwrap().join("backups"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert!(backups[0].to_string_lossy().contains("-v1-"));
    assert_eq!(
        count(
            &backups[0],
            "SELECT count(*) FROM live_data_config WHERE firestore_collection = 'old_rows'"
        ),
        1
    );
    // The migrated database kept the row and gained the new columns.
    assert!(stdout(&o).contains("\"old_rows\""));
    assert!(columns(&db, "live_data_config").contains(&"kind".to_string()));
}

#[test]
fn config_layers_defaults_file_env_flags() {
    let mut env = TestEnv::new();
    let show = |env: &TestEnv| -> serde_json::Value {
        let o = env.run(&["--json", "config", "show"]);
        assert_code(&o, 0);
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    // Defaults.
    assert_eq!(show(&env)["sync"]["default_frequency"], "30s");
    // File beats defaults.
    env.write_config("[sync]\ndefault_frequency = \"2m\"\nconcurrency = 2\n");
    assert_eq!(show(&env)["sync"]["default_frequency"], "2m");
    // Environment beats the file; numbers parse as numbers.
    env.set("VDT_SYNC__DEFAULT_FREQUENCY", "45s");
    env.set("VDT_SYNC__CONCURRENCY", "8");
    let v = show(&env);
    assert_eq!(v["sync"]["default_frequency"], "45s");
    assert_eq!(v["sync"]["concurrency"], 8);
    // Feature flags under their roadmap names.
    env.set("LIVE_DATA_ENABLED", "false");
    assert_eq!(show(&env)["features"]["live_data_enabled"], false);
}

#[test]
fn google_variables_are_only_fallbacks() {
    let mut env = TestEnv::new();
    env.set("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9999");
    let o = env.run(&["--json", "config", "show"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["firestore"]["emulator_host"], "127.0.0.1:9999");
    env.write_config("[firestore]\nemulator_host = \"127.0.0.1:8432\"\n");
    let o = env.run(&["--json", "config", "show"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["firestore"]["emulator_host"], "127.0.0.1:8432");
}

#[test]
fn db_flag_beats_vdt_db() {
    let mut env = TestEnv::new();
    let from_env = env.home().join("env.sqlite3");
    let from_flag = env.home().join("flag.sqlite3");
    env.set("VDT_DB", from_env.to_str().unwrap());
    let o = env.run(&[
        "--json",
        "--db",
        from_flag.to_str().unwrap(),
        "db",
        "status",
    ]);
    assert_code(&o, 0);
    let s: DbStatus = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(s.db_path, from_flag.display().to_string());
    assert!(!from_env.exists());
    let o = env.run(&["--json", "db", "status"]);
    let s: DbStatus = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(s.db_path, from_env.display().to_string());
}

#[test]
fn unknown_and_bad_keys_exit_78_naming_the_key() {
    let mut env = TestEnv::new();
    env.write_config("[sync]\ndefault_frequncy = \"30s\"\n");
    let o = env.run(&["config", "validate"]);
    assert_code(&o, 78);
    assert!(
        stderr(&o).contains("sync.default_frequncy"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        stderr(&o).lines().next().map(|l| l.starts_with("error:")),
        Some(true)
    );

    env.write_config("[sync]\ndefault_frequency = \"soon\"\n");
    let o = env.run(&["config", "show"]);
    assert_code(&o, 78);
    assert!(
        stderr(&o).contains("sync.default_frequency"),
        "{}",
        stderr(&o)
    );

    env.write_config(
        "[[alerts.rules]]\nname = \"r1\"\nmetric = \"nope\"\nop = \">\"\nthreshold = 1\n",
    );
    let o = env.run(&["config", "validate"]);
    assert_code(&o, 78);
    assert!(
        stderr(&o).contains("r1") && stderr(&o).contains("nope"),
        "{}",
        stderr(&o)
    );

    env.write_config("");
    env.set("VDT_SYNC__NOPE", "1");
    let o = env.run(&["config", "validate"]);
    assert_code(&o, 78);
    assert!(stderr(&o).contains("sync.nope"), "{}", stderr(&o));
}

#[test]
fn webhook_secret_env_unset_is_a_config_error_naming_the_source() {
    let mut env = TestEnv::new();
    env.write_config(
        "[[webhooks.sources]]\nname = \"langwatch\"\nscheme = \"hmac-sha256\"\nheader = \"X-Sig\"\nsecret_env = \"LW_SECRET\"\n",
    );
    let o = env.run(&["config", "validate"]);
    assert_code(&o, 78);
    assert!(stderr(&o).contains("langwatch") && stderr(&o).contains("LW_SECRET"));
    env.set("LW_SECRET", "s3cr3t-value");
    let o = env.run(&["config", "validate"]);
    assert_code(&o, 0);
}

#[test]
fn show_redacts_and_validate_warns_on_inline_secrets() {
    let env = TestEnv::new();
    let path = env.write_config(
        "[api]\ntoken = \"inline-token-123\"\n[[webhooks.sources]]\nname = \"gh\"\nscheme = \"github\"\nsecret = \"inline-secret-456\"\n",
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    for args in [&["config", "show"][..], &["--json", "config", "show"][..]] {
        let o = env.run(args);
        assert_code(&o, 0);
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(
            !all.contains("inline-token-123") && !all.contains("inline-secret-456"),
            "{all}"
        );
        assert!(all.contains("redacted"));
    }
    let o = env.run(&["config", "validate"]);
    assert_code(&o, 0);
    let err = stderr(&o);
    assert!(err.contains("inline"), "{err}");
    assert!(err.contains("readable by group or others"), "{err}");
    assert!(!err.contains("inline-secret-456"));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Collections {
    collections: Vec<CollectionJson>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct CollectionJson {
    name: String,
    kind: String,
    sync_frequency: u64,
    enabled: bool,
    cursor_field: Option<String>,
}

#[test]
fn collections_add_set_remove() {
    let env = TestEnv::new();
    assert_code(
        &env.run(&[
            "config",
            "collections",
            "add",
            "evals",
            "--kind",
            "traces",
            "--frequency",
            "5m",
        ]),
        0,
    );
    assert_code(
        &env.run(&[
            "config",
            "collections",
            "set",
            "evals",
            "--frequency",
            "90s",
            "--enabled",
            "false",
        ]),
        0,
    );
    let o = env.run(&["--json", "config", "collections", "list"]);
    let list: Collections = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        list.collections,
        vec![CollectionJson {
            name: "evals".into(),
            kind: "traces".into(),
            sync_frequency: 90,
            enabled: false,
            cursor_field: Some("updated_at".into()),
        }]
    );
    // Errors: duplicates, unknown names, bad values.
    assert_code(&env.run(&["config", "collections", "add", "evals"]), 1);
    assert_code(
        &env.run(&["config", "collections", "set", "nope", "--enabled", "true"]),
        1,
    );
    assert_code(
        &env.run(&["config", "collections", "set", "evals", "--frequency", "0s"]),
        2,
    );
    assert_code(&env.run(&["config", "collections", "add", "a/b"]), 2);
    assert_code(&env.run(&["config", "collections", "remove", "evals"]), 0);
    assert_code(&env.run(&["config", "collections", "remove", "evals"]), 1);
}

#[test]
fn completions_and_help_need_no_config_or_database() {
    let mut env = TestEnv::new();
    // A broken config must not matter.
    env.write_config("this is not toml");
    env.set("VDT_DB", "/nonexistent/dir/vdt.sqlite3");
    let o = env.run(&["completions", "bash"]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("_vdt"));
    let o = env.run(&["--help"]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("Exit codes"));
    assert!(!env.db_path().exists());
    let man = env.home().join("man");
    assert_code(&env.run(&["man", man.to_str().unwrap()]), 0);
    assert!(man.join("vdt.1").exists() && man.join("vdt-init.1").exists());
}

#[test]
fn usage_errors_exit_2() {
    let env = TestEnv::new();
    assert_code(&env.run(&["frobnicate"]), 2);
    assert_code(&env.run(&["init", "--non-interactive"]), 2);
    assert_code(
        &env.run(&[
            "init",
            "--non-interactive",
            "--project",
            "p",
            "--emulator-host",
            "nohost",
            "--collection",
            "x",
        ]),
        2,
    );
}

#[test]
fn broken_pipe_is_quiet() {
    let env = TestEnv::new();
    let mut child = env
        .cmd()
        .args(["completions", "zsh"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

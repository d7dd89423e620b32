//! `vdt init`: the 3-step wizard on a terminal, or flags with `--non-interactive`. Writes the
//! config file (mode 0600), migrates the database and seeds `live_data_config`.

use super::Ctx;
use crate::cli::InitArgs;
use crate::config::{CollectionKind, TRACES_DEFAULT_CURSOR};
use crate::error::Error;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Everything init asks for.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    pub project: String,
    pub emulator_host: Option<String>,
    pub credentials: Option<PathBuf>,
    pub collections: Vec<CollectionSpec>,
    pub frequency: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CollectionSpec {
    pub name: String,
    pub kind: CollectionKind,
    pub cursor_field: Option<String>,
}

impl CollectionSpec {
    /// `NAME[:KIND[:CURSOR_FIELD]]`; `traces` defaults its cursor to `updated_at`.
    pub fn parse(spec: &str) -> crate::Result<Self> {
        let mut parts = spec.splitn(3, ':');
        let name = parts.next().unwrap_or_default().trim().to_owned();
        crate::store::check_collection_name(&name)
            .map_err(|e| Error::usage(format!("--collection {spec:?}: {e}")))?;
        let kind = match parts.next().map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => k
                .parse::<CollectionKind>()
                .map_err(|e| Error::usage(format!("--collection {spec:?}: {e}")))?,
            None => CollectionKind::Documents,
        };
        let cursor_field = parts
            .next()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .or_else(|| (kind == CollectionKind::Traces).then(|| TRACES_DEFAULT_CURSOR.into()));
        Ok(CollectionSpec {
            name,
            kind,
            cursor_field,
        })
    }

    fn to_spec(&self) -> String {
        match (&self.kind, &self.cursor_field) {
            (CollectionKind::Traces, Some(c)) if c == TRACES_DEFAULT_CURSOR => {
                format!("{}:traces", self.name)
            }
            (k, Some(c)) => format!("{}:{}:{c}", self.name, k.as_str()),
            (k, None) => format!("{}:{}", self.name, k.as_str()),
        }
    }
}

pub fn run(ctx: &Ctx, args: InitArgs) -> anyhow::Result<i32> {
    let path = ctx.config_path.clone();
    let exists = path.exists();
    let interactive =
        !args.non_interactive && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if exists && !args.force && !interactive {
        return Err(Error::failed(format!(
            "{} already exists; nothing was changed",
            path.display()
        ))
        .with_hint("pass --force to overwrite it, or edit it and run `vdt config validate`")
        .into());
    }
    let answers = if interactive {
        match wizard(ctx, &args, exists)? {
            Some(a) => a,
            None => {
                ctx.out.note("nothing written");
                return Ok(1);
            }
        }
    } else {
        from_flags(&args)?
    };
    if !interactive {
        if args.skip_check {
            tracing::info!("connection test skipped (--skip-check)");
        } else {
            connection_check(ctx, &answers)?;
        }
    }
    let text = render_config(&answers);
    // Check what we are about to write parses as a valid config before touching anything.
    let parsed = crate::config::parse_str(&text, "generated config")?;
    write_private(&path, &text)?;
    let loaded = crate::config::Loaded {
        config: parsed,
        path: path.clone(),
        file_found: true,
        warnings: Vec::new(),
        loose_files: Vec::new(),
    };
    let mut store = ctx.open_store(&loaded)?;
    for c in &answers.collections {
        store.upsert_collection(
            &c.name,
            c.kind,
            answers.frequency.as_secs(),
            c.cursor_field.as_deref(),
        )?;
    }
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "config": path.display().to_string(),
            "db": ctx.db_path.display().to_string(),
            "collections": answers.collections.iter().map(|c| &c.name).collect::<Vec<_>>(),
        }));
    } else {
        ctx.out
            .note(&format!("wrote {} (mode 0600)", path.display()));
        ctx.out
            .note(&format!("database ready at {}", ctx.db_path.display()));
        ctx.out.note(&next_steps(ctx, &answers));
    }
    Ok(0)
}

fn from_flags(args: &InitArgs) -> crate::Result<Answers> {
    let project = args
        .project
        .clone()
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| {
            Error::usage("--non-interactive needs --project")
                .with_hint("e.g. vdt init --non-interactive --project my-project --emulator-host 127.0.0.1:8432")
        })?;
    if args.emulator_host.is_none() && args.credentials.is_none() {
        return Err(Error::usage(
            "--non-interactive needs --emulator-host or --credentials",
        )
        .into_with_hint("--emulator-host HOST:PORT for the emulator, --credentials FILE for a service account"));
    }
    if let Some(h) = &args.emulator_host {
        check_host(h)?;
    }
    if let Some(c) = &args.credentials
        && !c.is_file()
    {
        return Err(Error::usage(format!(
            "--credentials {}: no such file",
            c.display()
        )));
    }
    if args.collections.is_empty() {
        return Err(
            Error::usage("--non-interactive needs at least one --collection").with_hint(
                "e.g. --collection vertigo_traces:traces --collection meetings:documents",
            ),
        );
    }
    let mut collections: Vec<CollectionSpec> = Vec::new();
    for spec in &args.collections {
        let c = CollectionSpec::parse(spec)?;
        if collections.iter().any(|x| x.name == c.name) {
            return Err(Error::usage(format!(
                "--collection {}: given twice",
                c.name
            )));
        }
        collections.push(c);
    }
    let frequency = match &args.sync_frequency {
        Some(f) => Duration::from_secs(super::config::parse_frequency(f)?),
        None => Duration::from_secs(30),
    };
    Ok(Answers {
        project,
        emulator_host: args.emulator_host.clone(),
        credentials: args.credentials.clone(),
        collections,
        frequency,
    })
}

trait IntoWithHint {
    fn into_with_hint(self, hint: &str) -> Error;
}

impl IntoWithHint for Error {
    fn into_with_hint(self, hint: &str) -> Error {
        self.with_hint(hint)
    }
}

fn check_host(h: &str) -> crate::Result<()> {
    let ok = h
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
    if ok {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "emulator host {h:?} is not HOST:PORT, e.g. 127.0.0.1:8432"
        )))
    }
}

/// The live connection test: list the project's collection ids with the answers given.
fn connection_check(ctx: &Ctx, answers: &Answers) -> crate::Result<()> {
    let mut cfg = crate::config::Config::default();
    cfg.firestore.project_id = Some(answers.project.clone());
    cfg.firestore.emulator_host = answers.emulator_host.clone();
    cfg.firestore.credentials_file = answers.credentials.clone();
    let mut cc = crate::sync::client_config(&cfg)?;
    cc.timeout = Duration::from_secs(10);
    cc.retry.max_attempts = 2;
    let client = crate::firestore::Client::new(cc).map_err(|e| crate::sync::firestore_error(&e))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the runtime", e))?;
    match rt.block_on(client.list_collection_ids()) {
        Ok(ids) => {
            let shown = if ids.is_empty() {
                "no collections yet".to_owned()
            } else {
                ids.join(", ")
            };
            ctx.out
                .note(&format!("Connection ok: project {} ({shown})", answers.project));
            Ok(())
        }
        Err(e) => Err(crate::sync::firestore_error(&e).with_hint(
            "check the project, host or credentials; --skip-check writes the config without this test",
        )),
    }
}

/// The config file init writes: only what differs from the defaults, with comments.
pub fn render_config(a: &Answers) -> String {
    let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let mut t = String::new();
    t.push_str("# vdt configuration, written by `vdt init`.\n");
    t.push_str("# Every key and its default: `vdt config show`; reference: `man vdt`.\n");
    t.push_str("# Collections below seed the database once; afterwards change them with\n");
    t.push_str("# `vdt config collections …`, the API or the dashboard.\n\n");
    t.push_str("[firestore]\n");
    t.push_str(&format!("project_id = {}\n", q(&a.project)));
    if let Some(h) = &a.emulator_host {
        t.push_str(&format!("emulator_host = {}\n", q(h)));
    }
    if let Some(c) = &a.credentials {
        t.push_str(&format!(
            "credentials_file = {}\n",
            q(&c.display().to_string())
        ));
    }
    let freq = crate::net::format_duration(a.frequency);
    t.push_str(&format!("\n[sync]\ndefault_frequency = {}\n", q(&freq)));
    for c in &a.collections {
        t.push_str("\n[[sync.collections]]\n");
        t.push_str(&format!("name = {}\n", q(&c.name)));
        t.push_str(&format!("kind = {}\n", q(c.kind.as_str())));
        if let Some(f) = &c.cursor_field {
            t.push_str(&format!("cursor_field = {}\n", q(f)));
        }
        t.push_str(&format!("frequency = {}\n", q(&freq)));
    }
    t
}

/// Write a file only its owner can read, atomically (temp file + rename).
fn write_private(path: &Path, text: &str) -> crate::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(d) = dir {
        std::fs::create_dir_all(d)
            .map_err(|e| Error::io(format!("cannot create {}", d.display()), e))?;
    }
    let tmp = path.with_extension("toml.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| Error::io(format!("cannot write {}", tmp.display()), e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(format!("cannot write {}", tmp.display()), e))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    Ok(())
}

fn next_steps(ctx: &Ctx, a: &Answers) -> String {
    let exe = std::env::current_exe()
        .ok()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "vdt".into());
    let cfg = ctx.config_path.display();
    let db = ctx.db_path.display();
    let minutes = (a.frequency.as_secs() / 60).max(1);
    format!(
        "\nNext steps:\n  \
         vdt sync                      # mirror the collections once\n  \
         vdt serve                     # API, dashboard, webhooks, sync and alerts in one process\n\n\
         From cron (every {minutes} min):\n  \
         */{minutes} * * * * {exe} --config {cfg} --db {db} sync --json >> /var/log/vdt-sync.log 2>&1\n\n\
         Or a systemd timer (scripts/systemd/vdt-sync.timer):\n  \
         [Timer]\n  OnBootSec=1min\n  OnUnitActiveSec={}\n  \
         then: systemctl enable --now vdt-sync.timer",
        crate::net::format_duration(a.frequency)
    )
}

/// Current values, to start a re-run of the wizard from.
fn current(ctx: &Ctx) -> Answers {
    let Ok(loaded) = ctx.load_config() else {
        return Answers::default();
    };
    let c = &loaded.config;
    let mut collections: Vec<CollectionSpec> = c
        .sync
        .collections
        .iter()
        .map(|s| CollectionSpec {
            name: s.name.clone(),
            kind: s.kind,
            cursor_field: s.cursor_field.clone(),
        })
        .collect();
    if let Ok(store) = crate::store::Store::open_read_only(&ctx.db_path)
        && let Ok(rows) = store.collections()
        && !rows.is_empty()
    {
        collections = rows
            .iter()
            .map(|r| CollectionSpec {
                name: r.name.clone(),
                kind: r.kind.parse().unwrap_or_default(),
                cursor_field: r.cursor_field.clone(),
            })
            .collect();
    }
    Answers {
        project: c.firestore.project_id.clone().unwrap_or_default(),
        emulator_host: c.firestore.emulator_host.clone(),
        credentials: c.firestore.credentials_file.clone(),
        collections,
        frequency: c.sync.default_frequency.0,
    }
}

fn wizard(ctx: &Ctx, args: &InitArgs, exists: bool) -> anyhow::Result<Option<Answers>> {
    use dialoguer::{Confirm, Input, Select};
    let theme = dialoguer::theme::SimpleTheme;
    let mut cur = if exists {
        current(ctx)
    } else {
        Answers::default()
    };
    if let Some(p) = &args.project {
        cur.project = p.clone();
    }
    if args.emulator_host.is_some() {
        cur.emulator_host = args.emulator_host.clone();
    }
    if args.credentials.is_some() {
        cur.credentials = args.credentials.clone();
    }
    eprintln!("Welcome to vdt: live Vertigo data from Firestore, webhooks and alerts.");
    if exists {
        eprintln!(
            "A config exists at {}; the answers start from its values.",
            ctx.config_path.display()
        );
    }
    eprintln!("\nStep 1 of 3 — connection");
    let project: String = Input::with_theme(&theme)
        .with_prompt("Google Cloud project id")
        .with_initial_text(cur.project.clone())
        .validate_with(|s: &String| {
            if s.trim().is_empty() {
                Err("a project id is needed")
            } else {
                Ok(())
            }
        })
        .interact_text()?;
    let modes = [
        "Firestore emulator (local, no credentials)",
        "Service account JSON file",
    ];
    let mode = Select::with_theme(&theme)
        .with_prompt("Connect to")
        .items(modes)
        .default(usize::from(
            cur.credentials.is_some() && cur.emulator_host.is_none(),
        ))
        .interact()?;
    let (emulator_host, credentials) = if mode == 0 {
        let h: String = Input::with_theme(&theme)
            .with_prompt("Emulator host:port")
            .with_initial_text(
                cur.emulator_host
                    .clone()
                    .unwrap_or_else(|| "127.0.0.1:8432".into()),
            )
            .validate_with(|s: &String| check_host(s).map_err(|e| e.to_string()))
            .interact_text()?;
        (Some(h), None)
    } else {
        let p: String = Input::with_theme(&theme)
            .with_prompt("Service-account JSON file")
            .with_initial_text(
                cur.credentials
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            )
            .validate_with(|s: &String| {
                if Path::new(s).is_file() {
                    Ok(())
                } else {
                    Err(format!("no such file: {s}"))
                }
            })
            .interact_text()?;
        (None, Some(PathBuf::from(p)))
    };
    let mut answers = Answers {
        project: project.trim().to_owned(),
        emulator_host,
        credentials,
        collections: Vec::new(),
        frequency: Duration::from_secs(30),
    };
    if args.skip_check {
        eprintln!("Connection test skipped (--skip-check).");
    } else {
        eprintln!("Testing the connection…");
        if let Err(e) = connection_check(ctx, &answers) {
            eprintln!("Connection test failed: {e}");
            if let Some(h) = e.hint() {
                eprintln!("hint: {h}");
            }
            let go_on = Confirm::with_theme(&theme)
                .with_prompt("Continue with these settings anyway?")
                .default(false)
                .interact()?;
            if !go_on {
                return Ok(None);
            }
        }
    }

    eprintln!("\nStep 2 of 3 — collections and sync frequency");
    let initial = if cur.collections.is_empty() {
        "vertigo_traces:traces, meetings:documents".to_owned()
    } else {
        cur.collections
            .iter()
            .map(CollectionSpec::to_spec)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let specs: String = Input::with_theme(&theme)
        .with_prompt("Collections, NAME[:KIND[:CURSOR_FIELD]], comma separated")
        .with_initial_text(initial)
        .validate_with(|s: &String| parse_specs(s).map(|_| ()).map_err(|e| e.to_string()))
        .interact_text()?;
    answers.collections = parse_specs(&specs)?;
    let choices = ["30s", "1m", "5m", "custom"];
    let cur_freq = crate::net::format_duration(cur.frequency);
    let default = choices.iter().position(|c| *c == cur_freq).unwrap_or(0);
    let pick = Select::with_theme(&theme)
        .with_prompt("Sync frequency")
        .items(choices)
        .default(if cur.frequency.is_zero() {
            0
        } else if default == 0 && cur_freq != "30s" {
            3
        } else {
            default
        })
        .interact()?;
    answers.frequency = if pick < 3 {
        Duration::from_secs(super::config::parse_frequency(choices[pick])?)
    } else {
        let f: String = Input::with_theme(&theme)
            .with_prompt("Custom frequency (e.g. 90s, 15m, 1h)")
            .with_initial_text(cur_freq)
            .validate_with(|s: &String| {
                super::config::parse_frequency(s)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
            .interact_text()?;
        Duration::from_secs(super::config::parse_frequency(&f)?)
    };

    eprintln!("\nStep 3 of 3 — summary");
    eprintln!("  project      {}", answers.project);
    match (&answers.emulator_host, &answers.credentials) {
        (Some(h), _) => eprintln!("  emulator     {h}"),
        (_, Some(c)) => eprintln!("  credentials  {}", c.display()),
        _ => {}
    }
    for c in &answers.collections {
        eprintln!(
            "  collection   {} ({}{})",
            c.name,
            c.kind.as_str(),
            c.cursor_field
                .as_deref()
                .map(|f| format!(", cursor {f}"))
                .unwrap_or_default()
        );
    }
    eprintln!(
        "  frequency    every {}",
        crate::net::format_duration(answers.frequency)
    );
    eprintln!("  config       {}", ctx.config_path.display());
    eprintln!("  database     {}", ctx.db_path.display());
    let prompt = if exists {
        format!("Overwrite {}?", ctx.config_path.display())
    } else {
        "Write this configuration?".to_owned()
    };
    let ok = Confirm::with_theme(&theme)
        .with_prompt(prompt)
        .default(!exists)
        .interact()?;
    Ok(ok.then_some(answers))
}

fn parse_specs(s: &str) -> crate::Result<Vec<CollectionSpec>> {
    let mut out: Vec<CollectionSpec> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let c = CollectionSpec::parse(part)?;
        if out.iter().any(|x| x.name == c.name) {
            return Err(Error::usage(format!("{} is listed twice", c.name)));
        }
        out.push(c);
    }
    if out.is_empty() {
        return Err(Error::usage("name at least one collection"));
    }
    Ok(out)
}

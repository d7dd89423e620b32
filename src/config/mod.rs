//! The TOML config: its schema, the layers (defaults < file < environment < flags), validation
//! that names the bad key, and secret resolution through `*_env` / `*_file` keys.

mod schema;
mod secrets;

pub use schema::*;
pub use secrets::{SecretRef, resolve_secret};

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Environment variables that are flags, not config keys.
pub const FLAG_VARS: [&str; 3] = ["VDT_CONFIG", "VDT_DB", "VDT_LOG"];

/// The roadmap's feature flags, read under their own names.
const FEATURE_VARS: [(&str, &str); 3] = [
    ("LIVE_DATA_ENABLED", "live_data_enabled"),
    ("REAL_TIME_ALERTS", "real_time_alerts"),
    ("ADVANCED_CACHING", "advanced_caching"),
];

/// A snapshot of the process environment, so loading is testable without touching the real one.
pub type Env = BTreeMap<String, String>;

pub fn process_env() -> Env {
    std::env::vars().collect()
}

/// Where the config file is: `--config` / `VDT_CONFIG`, else `$XDG_CONFIG_HOME/vdt/config.toml`.
pub fn default_config_path(env: &Env) -> PathBuf {
    xdg_dir(env, "XDG_CONFIG_HOME", ".config")
        .join("vdt")
        .join("config.toml")
}

/// Where the database is by default: `$XDG_DATA_HOME/vdt/vdt.sqlite3`.
pub fn default_db_path(env: &Env) -> PathBuf {
    xdg_dir(env, "XDG_DATA_HOME", ".local/share")
        .join("vdt")
        .join("vdt.sqlite3")
}

fn xdg_dir(env: &Env, var: &str, fallback: &str) -> PathBuf {
    match env.get(var) {
        Some(v) if !v.is_empty() && Path::new(v).is_absolute() => PathBuf::from(v),
        _ => {
            let home = env.get("HOME").map(String::as_str).unwrap_or(".");
            PathBuf::from(home).join(fallback)
        }
    }
}

/// Where a loaded config came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// The file read, if one existed.
    pub path: PathBuf,
    pub file_found: bool,
    /// Non-fatal findings (inline secrets, loose file permissions), for `config validate`.
    pub warnings: Vec<String>,
    /// The config or credential files readable by group or others (also in `warnings`):
    /// every command warns about these.
    pub loose_files: Vec<String>,
}

/// Load the config: built-in defaults, then the file (if present), then the environment.
/// Flags are applied afterwards by the caller, which knows which were given.
/// `explicit` says the path came from `--config`/`VDT_CONFIG`, so a missing file is an error.
pub fn load(path: &Path, explicit: bool, env: &Env) -> Result<Loaded> {
    let (mut table, file_found) = match std::fs::read_to_string(path) {
        Ok(text) => {
            let table: toml::Table = toml::from_str(&text).map_err(|e| {
                Error::config(format!(
                    "{}: invalid TOML: {}",
                    path.display(),
                    one_line(e.message())
                ))
                .with_hint(toml_location(&text, e.span()))
            })?;
            (table, true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            (toml::Table::new(), false)
        }
        Err(e) => {
            return Err(
                Error::config(format!("cannot read config file {}: {e}", path.display()))
                    .with_hint("create one with `vdt init`, or point --config at an existing file"),
            );
        }
    };
    apply_env(&mut table, env)?;
    let config = from_table(table, &path.display().to_string())?;
    let mut warnings = config.validate()?;
    let mut loose_files = Vec::new();
    if file_found {
        loose_files.extend(permission_warning(path));
    }
    // Files that hold secrets: readable by others, the secret is not one.
    for file in credential_files(&config) {
        loose_files.extend(permission_warning(file));
    }
    warnings.extend(loose_files.iter().cloned());
    Ok(Loaded {
        config,
        path: path.to_path_buf(),
        file_found,
        warnings,
        loose_files,
    })
}

/// Every file the config names that holds a secret: the service-account key and each
/// `*_file` secret.
fn credential_files(cfg: &Config) -> Vec<&Path> {
    let mut files: Vec<&PathBuf> = Vec::new();
    files.extend(&cfg.firestore.credentials_file);
    files.extend(&cfg.api.token_file);
    files.extend(&cfg.api.read_token_file);
    for s in &cfg.webhooks.sources {
        files.extend(&s.secret_file);
    }
    if let Some(smtp) = &cfg.alerts.smtp {
        files.extend(&smtp.username_file);
        files.extend(&smtp.password_file);
    }
    for ch in &cfg.alerts.channels {
        files.extend(&ch.secret_file);
    }
    files.into_iter().map(PathBuf::as_path).collect()
}

/// Parse a config from TOML text alone (no environment); used by tests and `init`.
pub fn parse_str(text: &str, origin: &str) -> Result<Config> {
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| Error::config(format!("{origin}: invalid TOML: {}", one_line(e.message()))))?;
    let config = from_table(table, origin)?;
    config.validate()?;
    Ok(config)
}

fn from_table(table: toml::Table, origin: &str) -> Result<Config> {
    let de = toml::Value::Table(table);
    serde_path_to_error::deserialize::<_, Config>(de).map_err(|e| {
        let path = e.path().to_string();
        let mut inner = one_line(&e.inner().to_string());
        // The toml deserializer appends its own " in `key`"; the key is said once, below.
        if let Some(at) = inner.rfind(" in `") {
            inner.truncate(at);
        }
        let key = if path == "." { String::new() } else { path };
        // serde names an unknown field in its message; join it to the path for one full key.
        let message = match unknown_field(&inner) {
            Some(field)
                if key.is_empty() || key == field || key.ends_with(&format!(".{field}")) =>
            {
                format!(
                    "unknown config key `{}`",
                    if key.is_empty() { &field } else { &key }
                )
            }
            Some(field) => format!("unknown config key `{key}.{field}`"),
            None if key.is_empty() => inner,
            None => format!("config key `{key}`: {inner}"),
        };
        Error::config(format!("{origin}: {message}"))
    })
}

fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest[..rest.find('`')?].to_owned())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn toml_location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("see line {line} of the file")
        }
        None => "check the file's TOML syntax".into(),
    }
}

/// Overlay `VDT_A__B=…` variables, the roadmap's feature flags, then Google's fallbacks.
fn apply_env(table: &mut toml::Table, env: &Env) -> Result<()> {
    for (name, flag_key) in FEATURE_VARS {
        if let Some(raw) = env.get(name) {
            let value = parse_bool(raw).ok_or_else(|| {
                Error::config(format!("{name}={raw:?}: expected true, false, 1 or 0"))
            })?;
            set_path(
                table,
                &["features".into(), flag_key.into()],
                toml::Value::Boolean(value),
                name,
            )?;
        }
    }
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix("VDT_") else {
            continue;
        };
        if !rest.contains("__") || FLAG_VARS.contains(&name.as_str()) {
            continue;
        }
        let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        if path.iter().any(String::is_empty) {
            return Err(Error::config(format!(
                "{name}: not a config key (empty part between `__`)"
            )));
        }
        set_path(table, &path, env_value(raw), name)?;
    }
    let fallbacks = [
        ("FIRESTORE_EMULATOR_HOST", "emulator_host"),
        ("GOOGLE_APPLICATION_CREDENTIALS", "credentials_file"),
    ];
    for (var, key) in fallbacks {
        if let Some(v) = env.get(var).filter(|v| !v.is_empty()) {
            let fs = table
                .entry("firestore")
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(fs) = fs {
                fs.entry(key)
                    .or_insert_with(|| toml::Value::String(v.clone()));
            }
        }
    }
    Ok(())
}

pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// An environment value is a TOML literal when it parses as one (numbers, booleans, arrays,
/// inline tables), else a plain string, so `VDT_SYNC__CONCURRENCY=8` and
/// `VDT_SYNC__DEFAULT_FREQUENCY=45s` both work.
fn env_value(raw: &str) -> toml::Value {
    let trimmed = raw.trim();
    let literal = trimmed.starts_with('[')
        || trimmed.starts_with('{')
        || trimmed == "true"
        || trimmed == "false"
        || trimmed.parse::<i64>().is_ok()
        || trimmed
            .parse::<f64>()
            .is_ok_and(|f| f.is_finite() && trimmed.contains('.'));
    if literal
        && let Ok(doc) = toml::from_str::<toml::Table>(&format!("v = {trimmed}"))
        && let Some(v) = doc.get("v")
    {
        return v.clone();
    }
    toml::Value::String(raw.to_owned())
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value, var: &str) -> Result<()> {
    let (last, parents) = path.split_last().expect("non-empty path");
    let mut cur = table;
    for part in parents {
        let entry = cur
            .entry(part.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(t) => t,
            _ => {
                return Err(Error::config(format!(
                    "{var}: `{}` is not a section",
                    path.join(".")
                )));
            }
        };
    }
    cur.insert(last.clone(), value);
    Ok(())
}

#[cfg(unix)]
fn permission_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{} is readable by group or others (mode {:o}); run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn permission_warning(_: &Path) -> Option<String> {
    None
}

/// Resolve every configured secret once, the way the servers will: a webhook source whose
/// secret is missing is a config error naming it (exit 78); API tokens and SMTP credentials
/// that resolve to nothing are "not configured", reported as warnings.
pub fn check_secrets(cfg: &Config, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    for s in &cfg.webhooks.sources {
        webhook_secret(s, env)?;
    }
    let (admin, read) = api_tokens(cfg, env)?;
    if admin.is_none() && read.is_none() {
        notes
            .push("api: no token configured; the API will only bind a loopback address".to_owned());
    }
    for ch in &cfg.alerts.channels {
        if ch.kind == ChannelType::Webhook
            && resolve_secret(
                SecretRef {
                    key: &format!("alerts.channels.{}.secret", ch.name),
                    inline: ch.secret.as_deref(),
                    env: ch.secret_env.as_deref(),
                    file: ch.secret_file.as_ref(),
                },
                env,
            )?
            .is_none()
        {
            notes.push(format!(
                "alerts.channels ({}): no secret; webhook notifications will be unsigned",
                ch.name
            ));
        }
        if ch.kind == ChannelType::Email && cfg.alerts.smtp.is_none() {
            notes.push(format!(
                "alerts.channels ({}): email channel but no [alerts.smtp] section",
                ch.name
            ));
        }
    }
    Ok(notes)
}

/// A webhook source's secret; missing is exit 78 naming the source.
pub fn webhook_secret(s: &WebhookSource, env: &dyn Fn(&str) -> Option<String>) -> Result<String> {
    let key = format!("webhooks.sources.{}.secret", s.name);
    resolve_secret(
        SecretRef {
            key: &key,
            inline: s.secret.as_deref(),
            env: s.secret_env.as_deref(),
            file: s.secret_file.as_ref(),
        },
        env,
    )?
    .ok_or_else(|| {
        let how = match (&s.secret_env, &s.secret_file) {
            (Some(var), _) => format!("environment variable {var} is unset or empty"),
            (None, Some(f)) => format!("{} is empty", f.display()),
            _ => "no secret is configured".to_owned(),
        };
        Error::config(format!("webhook source {:?} has no secret: {how}", s.name))
            .with_hint("export the variable, or set secret_file")
    })
}

/// The API's (admin, read) tokens; either may be unconfigured.
pub fn api_tokens(
    cfg: &Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Option<String>, Option<String>)> {
    let admin = resolve_secret(
        SecretRef {
            key: "api.token",
            inline: cfg.api.token.as_deref(),
            env: cfg.api.token_env.as_deref(),
            file: cfg.api.token_file.as_ref(),
        },
        env,
    )?;
    let read = resolve_secret(
        SecretRef {
            key: "api.read_token",
            inline: cfg.api.read_token.as_deref(),
            env: cfg.api.read_token_env.as_deref(),
            file: cfg.api.read_token_file.as_ref(),
        },
        env,
    )?;
    Ok((admin, read))
}

/// SMTP (username, password); unset means no authentication.
pub fn smtp_credentials(
    smtp: &SmtpConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(String, String)>> {
    let user = resolve_secret(
        SecretRef {
            key: "alerts.smtp.username",
            inline: smtp.username.as_deref(),
            env: smtp.username_env.as_deref(),
            file: smtp.username_file.as_ref(),
        },
        env,
    )?;
    let pass = resolve_secret(
        SecretRef {
            key: "alerts.smtp.password",
            inline: smtp.password.as_deref(),
            env: smtp.password_env.as_deref(),
            file: smtp.password_file.as_ref(),
        },
        env,
    )?;
    Ok(user.zip(pass))
}

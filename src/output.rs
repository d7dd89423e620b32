//! Terminal output for the command layer: JSON on stdout, tables for people, colour choice,
//! and a quiet exit on a closed pipe.

use crate::cli::ColorChoice;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;
use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
    pub color: bool,
    pub quiet: bool,
}

impl Output {
    pub fn new(json: bool, choice: ColorChoice, quiet: bool, no_color_env: bool) -> Self {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color_env && std::io::stdout().is_terminal(),
        };
        Output { json, color, quiet }
    }

    /// One JSON document (or one line of a `--watch` stream) on stdout.
    pub fn json<T: Serialize>(&self, value: &T) {
        let text = serde_json::to_string(value).expect("serializable output");
        emit(&format!("{text}\n"));
    }

    /// Data for people on stdout (tables, values).
    pub fn data(&self, text: &str) {
        if text.ends_with('\n') {
            emit(text);
        } else {
            emit(&format!("{text}\n"));
        }
    }

    /// A message for people on stderr, unless --quiet.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    pub fn warn(&self, text: &str) {
        if self.color {
            eprintln!("\x1b[33mwarning:\x1b[0m {text}");
        } else {
            eprintln!("warning: {text}");
        }
    }

    pub fn table(&self, header: &[&str]) -> Table {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        if !self.color {
            t.force_no_tty();
        }
        t.set_header(header.iter().copied());
        t
    }
}

/// Write to stdout; a reader that went away (`vdt … | head`) ends the process quietly.
pub fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let result = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if let Err(e) = result {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(crate::error::exit::INTERNAL);
    }
}

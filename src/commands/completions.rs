//! `vdt completions SHELL`: shell completions generated from `cli.rs`.

use crate::cli::{Cli, CompletionsArgs, Shell};
use clap::CommandFactory;

pub fn run(args: &CompletionsArgs) -> anyhow::Result<i32> {
    let mut buf = Vec::new();
    generate(args.shell, &mut buf);
    crate::output::emit(&String::from_utf8(buf)?);
    Ok(0)
}

pub fn generate(shell: Shell, out: &mut Vec<u8>) {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
        Shell::Elvish => S::Elvish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "vdt", out);
}

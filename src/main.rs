//! The `vdt` binary: parse, run, map the result to an exit code.

use clap::Parser;

fn main() {
    let cli = match vdt::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            std::process::exit(match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => vdt::error::exit::USAGE,
            });
        }
    };
    let code = match vdt::commands::run(cli) {
        Ok(code) => code,
        Err(err) => vdt::commands::report_error(&err),
    };
    std::process::exit(code);
}

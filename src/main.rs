//! The `vdt` binary: parse, run, map the result to an exit code.

use clap::Parser;

/// mimalloc instead of glibc's malloc: with a thread per connection, four webhook workers and a
/// writer handing buffers to each other, glibc's malloc and free were ~20 % of the receiver's
/// CPU; side by side, mimalloc took 13 % off its CPU per delivery (BENCHMARKS.md, "Webhooks").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

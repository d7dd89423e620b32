#!/usr/bin/env bash
# Regenerate completions/ and man/ from the clap definitions in src/cli.rs.
# CI runs this and fails when the checked-in files differ.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin vdt
bin=target/debug/vdt
mkdir -p completions man
"$bin" completions bash > completions/vdt.bash
"$bin" completions zsh > completions/_vdt
"$bin" completions fish > completions/vdt.fish
"$bin" completions powershell > completions/_vdt.ps1
"$bin" completions elvish > completions/vdt.elv
rm -f man/*.1
"$bin" man man
echo "regenerated completions/ and man/"

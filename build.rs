//! Re-embed migrations whenever `migrations/` changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

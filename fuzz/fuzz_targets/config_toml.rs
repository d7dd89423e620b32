//! Whole config files: any text is a config or a config error (exit 78), never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(e) = vdt::config::parse_str(text, "fuzz") {
        assert_eq!(e.exit_code(), 78, "{e}");
    }
});

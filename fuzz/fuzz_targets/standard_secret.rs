//! Configured webhook secrets, Standard Webhooks' `whsec_` + base64 above all: any string is a
//! key or an error that does not repeat it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vdt::webhooks::schemes::{Scheme, parse_secret};

fuzz_target!(|raw: &str| {
    for scheme in [Scheme::Standard, Scheme::Github, Scheme::Stripe] {
        if let Err(e) = parse_secret(&scheme, raw) {
            assert!(raw.len() < 8 || !e.to_string().contains(raw));
        }
    }
    let prefixed = format!("whsec_{raw}");
    let _ = parse_secret(&Scheme::Standard, &prefixed);
    let _ = Scheme::parse(raw, None);
    let _ = Scheme::parse("hmac-sha256", Some(raw));
});

//! Configured webhook secrets, Standard Webhooks' `whsec_` + base64 above all: any string is a
//! key or an error that does not repeat it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vdt::webhooks::schemes::{Scheme, SecretError, parse_secret};

fuzz_target!(|raw: &str| {
    for scheme in [Scheme::Standard, Scheme::Github, Scheme::Stripe] {
        // The other variants are fixed sentences (a secret that happens to be a word of one,
        // such as "Standard", is not a leak); only the base64 error carries input-dependent
        // text, and it must not carry the secret.
        if let Err(SecretError::InvalidBase64(detail)) = parse_secret(&scheme, raw) {
            assert!(raw.len() < 8 || !detail.contains(raw));
        }
    }
    let prefixed = format!("whsec_{raw}");
    let _ = parse_secret(&Scheme::Standard, &prefixed);
    let _ = Scheme::parse(raw, None);
    let _ = Scheme::parse("hmac-sha256", Some(raw));
});

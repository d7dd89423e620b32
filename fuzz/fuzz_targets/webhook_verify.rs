//! Every scheme's verifier on arbitrary header values and body: the first byte picks the
//! scheme, the next lines are values for the scheme's headers (in a fixed order), the rest is
//! the body. Never a panic; a signature made by `sign` over the same body always verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vdt::webhooks::schemes::{Scheme, parse_secret, sign, verify};

const NAMES: [&str; 10] = [
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "X-Hub-Signature-256",
    "X-GitHub-Delivery",
    "Stripe-Signature",
    "X-Slack-Signature",
    "X-Slack-Request-Timestamp",
    "X-Shopify-Hmac-Sha256",
    "X-LangWatch-Signature",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let schemes = [
        Scheme::Standard,
        Scheme::Github,
        Scheme::Stripe,
        Scheme::Slack,
        Scheme::Shopify,
        Scheme::HmacSha256 {
            header: "X-LangWatch-Signature".into(),
        },
    ];
    let scheme = &schemes[usize::from(pick) % schemes.len()];
    let raw = if *scheme == Scheme::Standard {
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    } else {
        "fuzz-secret"
    };
    let secret = parse_secret(scheme, raw).expect("a valid secret");
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.splitn(NAMES.len() + 1, '\n');
    let values: Vec<(String, String)> = NAMES
        .iter()
        .filter_map(|n| parts.next().map(|v| ((*n).to_owned(), v.to_owned())))
        .collect();
    let body = parts.next().unwrap_or("").as_bytes();
    let lookup = |name: &str| {
        values
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let now = i64::from(pick) * 1_000_003;
    let _ = verify(scheme, &secret, &lookup, body, now, 300);
    let _ = verify(scheme, &secret, &lookup, body, i64::MIN, i64::MAX);

    let signed = sign(scheme, &secret, Some("evt_fuzz"), now, body);
    let lookup = |name: &str| {
        signed
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert!(verify(scheme, &secret, &lookup, body, now, 0).is_ok());
});

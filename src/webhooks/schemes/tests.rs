//! Tests of the signature schemes against published vectors and an independent HMAC (openssl).

use std::io::Write as _;
use std::process::{Command, Stdio};

use proptest::prelude::*;

use super::*;

const STD_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const STD_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
const STD_TS: i64 = 1649367553;
const STD_BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
const STD_SIG: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

const TS: i64 = 1_764_237_600;
const TOLERANCE: i64 = 300;
const BODY: &[u8] = br#"{"type":"trace.completed","id":"evt_01J9Z"}"#;

type Headers = Vec<(String, String)>;

fn all_schemes() -> Vec<Scheme> {
    vec![
        Scheme::Standard,
        Scheme::Github,
        Scheme::Stripe,
        Scheme::Slack,
        Scheme::Shopify,
        Scheme::HmacSha256 {
            header: "X-LangWatch-Signature".to_owned(),
        },
    ]
}

fn raw_secret(scheme: &Scheme) -> &'static str {
    match scheme {
        Scheme::Standard => STD_SECRET,
        Scheme::Stripe => "whsec_stripe_test_0123456789",
        _ => "It's a Secret to Everybody",
    }
}

/// The key bytes each scheme should sign with, worked out here rather than by `parse_secret`.
fn key_bytes(scheme: &Scheme) -> Vec<u8> {
    match scheme {
        Scheme::Standard => STANDARD.decode(&STD_SECRET[6..]).unwrap(),
        _ => raw_secret(scheme).as_bytes().to_vec(),
    }
}

fn secret(scheme: &Scheme) -> Secret {
    parse_secret(scheme, raw_secret(scheme)).unwrap()
}

fn wrong_secret(scheme: &Scheme) -> Secret {
    let raw = match scheme {
        Scheme::Standard => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        _ => "not the secret",
    };
    parse_secret(scheme, raw).unwrap()
}

fn lookup(headers: &Headers) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

fn check(
    scheme: &Scheme,
    secret: &Secret,
    headers: &Headers,
    body: &[u8],
    now: i64,
) -> Result<Verified, Reject> {
    verify(scheme, secret, &lookup(headers), body, now, TOLERANCE)
}

fn signed(scheme: &Scheme) -> Headers {
    sign(scheme, &secret(scheme), Some("dlv_1"), TS, BODY)
}

fn set(headers: &Headers, name: &str, value: &str) -> Headers {
    let mut out: Headers = headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    out.push((name.to_owned(), value.to_owned()));
    out
}

fn without(headers: &Headers, name: &str) -> Headers {
    headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case(name))
        .cloned()
        .collect()
}

fn get(headers: &Headers, name: &str) -> String {
    lookup(headers)(name).unwrap()
}

/// HMAC-SHA256 computed by openssl, as lowercase hex; `None` when openssl is not installed.
fn openssl_hmac_hex(key: &[u8], data: &[u8]) -> Option<String> {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-mac", "HMAC", "-macopt"])
        .arg(format!("hexkey:{}", hex_encode(key)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "openssl dgst failed");
    let text = String::from_utf8(out.stdout).unwrap();
    let hex = text.trim().rsplit("= ").next().unwrap().to_owned();
    assert_eq!(hex.len(), 64, "unexpected openssl output {text:?}");
    Some(hex)
}

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The headers a sender would attach, built from openssl's HMAC and each provider's docs.
fn openssl_headers(scheme: &Scheme, id: &str, ts: i64, body: &[u8]) -> Option<Headers> {
    let key = key_bytes(scheme);
    let content: Vec<u8> = match scheme {
        Scheme::Standard => [format!("{id}.{ts}.").as_bytes(), body].concat(),
        Scheme::Stripe => [format!("{ts}.").as_bytes(), body].concat(),
        Scheme::Slack => [format!("v0:{ts}:").as_bytes(), body].concat(),
        _ => body.to_vec(),
    };
    let hex = openssl_hmac_hex(&key, &content)?;
    let b64 = STANDARD.encode(hex_to_bytes(&hex));
    let h = |k: &str, v: String| (k.to_owned(), v);
    Some(match scheme {
        Scheme::Standard => vec![
            h("webhook-id", id.to_owned()),
            h("webhook-timestamp", ts.to_string()),
            h("webhook-signature", format!("v1,{b64}")),
        ],
        Scheme::Github => vec![
            h("X-Hub-Signature-256", format!("sha256={hex}")),
            h("X-GitHub-Delivery", id.to_owned()),
        ],
        Scheme::Stripe => vec![h("Stripe-Signature", format!("t={ts},v1={hex}"))],
        Scheme::Slack => vec![
            h("X-Slack-Request-Timestamp", ts.to_string()),
            h("X-Slack-Signature", format!("v0={hex}")),
        ],
        Scheme::Shopify => vec![
            h("X-Shopify-Hmac-Sha256", b64),
            h("X-Shopify-Webhook-Id", id.to_owned()),
        ],
        Scheme::HmacSha256 { header } => vec![h(header, format!("sha256={hex}"))],
    })
}

fn today() -> i64 {
    chrono::Utc::now().timestamp()
}

// --- published vectors -------------------------------------------------------------------

#[test]
fn standard_webhooks_published_vector() {
    let scheme = Scheme::Standard;
    let secret = parse_secret(&scheme, STD_SECRET).unwrap();
    let headers = sign(&scheme, &secret, Some(STD_ID), STD_TS, STD_BODY);
    assert_eq!(get(&headers, "webhook-signature"), STD_SIG);

    let delivered: Headers = vec![
        ("webhook-id".into(), STD_ID.into()),
        ("webhook-timestamp".into(), STD_TS.to_string()),
        ("webhook-signature".into(), STD_SIG.into()),
    ];
    let ok = check(&scheme, &secret, &delivered, STD_BODY, STD_TS).unwrap();
    assert_eq!(
        ok,
        Verified {
            delivery_id: Some(STD_ID.to_owned()),
            timestamp: Some(STD_TS),
        }
    );
    match check(&scheme, &secret, &delivered, STD_BODY, today()) {
        Err(Reject::TimestampOutOfTolerance { skew_secs }) => assert!(skew_secs > 0),
        other => panic!("expected an expired timestamp, got {other:?}"),
    }
}

#[test]
fn github_published_vector() {
    let scheme = Scheme::Github;
    let secret = parse_secret(&scheme, "It's a Secret to Everybody").unwrap();
    let sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    let headers = sign(&scheme, &secret, None, 0, b"Hello, World!");
    assert_eq!(get(&headers, "X-Hub-Signature-256"), sig);
    let delivered = vec![("x-hub-signature-256".to_owned(), sig.to_owned())];
    assert!(check(&scheme, &secret, &delivered, b"Hello, World!", today()).is_ok());
}

#[test]
fn slack_published_vector() {
    let scheme = Scheme::Slack;
    let secret = parse_secret(&scheme, "8f742231b10e8888abcd99yyyzzz85a5").unwrap();
    let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let delivered: Headers = vec![
        ("X-Slack-Request-Timestamp".into(), "1531420618".into()),
        (
            "X-Slack-Signature".into(),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503".into(),
        ),
    ];
    let ok = check(&scheme, &secret, &delivered, body, 1531420618).unwrap();
    assert_eq!(ok.timestamp, Some(1531420618));
    assert_eq!(sign(&scheme, &secret, None, 1531420618, body), delivered);
}

#[test]
fn sign_agrees_with_openssl_for_every_scheme() {
    for scheme in all_schemes() {
        let Some(expected) = openssl_headers(&scheme, "dlv_1", TS, BODY) else {
            eprintln!("skipped: openssl is not installed");
            return;
        };
        let mut ours = signed(&scheme);
        let mut theirs = expected.clone();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{scheme}");
        assert!(
            check(&scheme, &secret(&scheme), &expected, BODY, TS).is_ok(),
            "{scheme}: openssl-signed delivery refused"
        );
    }
}

// --- every scheme ------------------------------------------------------------------------

#[test]
fn valid_deliveries_pass_and_report_id_and_timestamp() {
    for scheme in all_schemes() {
        let ok = check(&scheme, &secret(&scheme), &signed(&scheme), BODY, TS).unwrap();
        let id = scheme.id_header().map(|_| "dlv_1".to_owned());
        let ts = scheme.carries_timestamp().then_some(TS);
        assert_eq!(
            ok,
            Verified {
                delivery_id: id,
                timestamp: ts
            },
            "{scheme}"
        );
    }
}

#[test]
fn header_names_are_looked_up_case_insensitively() {
    for scheme in all_schemes() {
        let shouted: Headers = signed(&scheme)
            .into_iter()
            .map(|(k, v)| (k.to_ascii_uppercase(), v))
            .collect();
        assert!(
            check(&scheme, &secret(&scheme), &shouted, BODY, TS).is_ok(),
            "{scheme}"
        );
    }
}

#[test]
fn tampered_body_is_bad_signature() {
    for scheme in all_schemes() {
        let tampered = br#"{"type":"trace.completed","id":"evt_01J9Y"}"#;
        assert_eq!(
            check(&scheme, &secret(&scheme), &signed(&scheme), tampered, TS),
            Err(Reject::BadSignature),
            "{scheme}"
        );
        assert_eq!(
            check(&scheme, &secret(&scheme), &signed(&scheme), b"", TS),
            Err(Reject::BadSignature),
            "{scheme}"
        );
    }
}

#[test]
fn wrong_secret_is_bad_signature() {
    for scheme in all_schemes() {
        assert_eq!(
            check(&scheme, &wrong_secret(&scheme), &signed(&scheme), BODY, TS),
            Err(Reject::BadSignature),
            "{scheme}"
        );
    }
}

#[test]
fn tampered_signed_headers_are_bad_signature() {
    // The id and timestamp are part of what is signed, where the scheme signs them.
    let std = signed(&Scheme::Standard);
    let moved = set(&std, "webhook-id", "dlv_2");
    assert_eq!(
        check(
            &Scheme::Standard,
            &secret(&Scheme::Standard),
            &moved,
            BODY,
            TS
        ),
        Err(Reject::BadSignature)
    );
    let moved = set(&std, "webhook-timestamp", &(TS + 1).to_string());
    assert_eq!(
        check(
            &Scheme::Standard,
            &secret(&Scheme::Standard),
            &moved,
            BODY,
            TS
        ),
        Err(Reject::BadSignature)
    );
    let slack = signed(&Scheme::Slack);
    let moved = set(&slack, "X-Slack-Request-Timestamp", &(TS + 1).to_string());
    assert_eq!(
        check(&Scheme::Slack, &secret(&Scheme::Slack), &moved, BODY, TS),
        Err(Reject::BadSignature)
    );
    let stripe = get(&signed(&Scheme::Stripe), "Stripe-Signature");
    let moved = stripe.replace(&format!("t={TS}"), &format!("t={}", TS + 1));
    let moved = vec![("Stripe-Signature".to_owned(), moved)];
    assert_eq!(
        check(&Scheme::Stripe, &secret(&Scheme::Stripe), &moved, BODY, TS),
        Err(Reject::BadSignature)
    );
}

#[test]
fn timestamps_are_checked_both_ways_after_the_signature() {
    for scheme in all_schemes() {
        let s = secret(&scheme);
        let h = signed(&scheme);
        let past = check(&scheme, &s, &h, BODY, TS + TOLERANCE + 1);
        let future = check(&scheme, &s, &h, BODY, TS - TOLERANCE - 1);
        let edges = [
            check(&scheme, &s, &h, BODY, TS + TOLERANCE),
            check(&scheme, &s, &h, BODY, TS - TOLERANCE),
        ];
        assert!(edges.iter().all(Result::is_ok), "{scheme}: {edges:?}");
        if scheme.carries_timestamp() {
            assert_eq!(
                past,
                Err(Reject::TimestampOutOfTolerance {
                    skew_secs: TOLERANCE + 1
                }),
                "{scheme}"
            );
            assert_eq!(
                future,
                Err(Reject::TimestampOutOfTolerance {
                    skew_secs: -TOLERANCE - 1
                }),
                "{scheme}"
            );
            // A forged delivery is a bad signature whatever its age.
            assert_eq!(
                check(
                    &scheme,
                    &wrong_secret(&scheme),
                    &h,
                    BODY,
                    TS + 10 * TOLERANCE
                ),
                Err(Reject::BadSignature),
                "{scheme}"
            );
        } else {
            assert!(past.is_ok() && future.is_ok(), "{scheme}");
        }
    }
}

#[test]
fn extreme_clocks_and_tolerances_do_not_overflow() {
    let scheme = Scheme::Standard;
    let h = signed(&scheme);
    let s = secret(&scheme);
    for now in [i64::MIN, i64::MAX, 0] {
        for tolerance in [i64::MIN, -1, 0, i64::MAX] {
            let _ = verify(&scheme, &s, &lookup(&h), BODY, now, tolerance);
        }
    }
    assert!(verify(&scheme, &s, &lookup(&h), BODY, 0, i64::MAX).is_ok());
    assert!(matches!(
        verify(&scheme, &s, &lookup(&h), BODY, i64::MIN, i64::MAX),
        Err(Reject::TimestampOutOfTolerance {
            skew_secs: i64::MIN
        })
    ));
    assert!(matches!(
        verify(&scheme, &s, &lookup(&h), BODY, TS + 1, -5),
        Err(Reject::TimestampOutOfTolerance { skew_secs: 1 })
    ));
}

#[test]
fn missing_headers_are_named() {
    for scheme in all_schemes() {
        let required: Vec<&str> = match &scheme {
            Scheme::Standard => vec!["webhook-id", "webhook-timestamp", "webhook-signature"],
            Scheme::Github => vec!["X-Hub-Signature-256"],
            Scheme::Stripe => vec!["Stripe-Signature"],
            Scheme::Slack => vec!["X-Slack-Signature", "X-Slack-Request-Timestamp"],
            Scheme::Shopify => vec!["X-Shopify-Hmac-Sha256"],
            Scheme::HmacSha256 { header } => vec![header.as_str()],
        };
        for name in required {
            let h = without(&signed(&scheme), name);
            assert_eq!(
                check(&scheme, &secret(&scheme), &h, BODY, TS),
                Err(Reject::MissingHeader(name.to_owned())),
                "{scheme}"
            );
        }
        assert!(matches!(
            check(&scheme, &secret(&scheme), &Vec::new(), BODY, TS),
            Err(Reject::MissingHeader(_))
        ));
    }
}

#[test]
fn standard_requires_a_non_empty_id() {
    let scheme = Scheme::Standard;
    let s = secret(&scheme);
    let h = sign(&scheme, &s, Some(""), TS, BODY);
    assert!(matches!(
        check(&scheme, &s, &h, BODY, TS),
        Err(Reject::Malformed(_))
    ));
}

#[test]
fn optional_id_headers_may_be_absent_or_empty() {
    for (scheme, name) in [
        (Scheme::Github, "X-GitHub-Delivery"),
        (Scheme::Shopify, "X-Shopify-Webhook-Id"),
    ] {
        let h = without(&signed(&scheme), name);
        let ok = check(&scheme, &secret(&scheme), &h, BODY, TS).unwrap();
        assert_eq!(ok.delivery_id, None);
        let h = set(&signed(&scheme), name, "  ");
        let ok = check(&scheme, &secret(&scheme), &h, BODY, TS).unwrap();
        assert_eq!(ok.delivery_id, None);
    }
}

/// The signature header's value with its MAC part replaced, in each scheme's format.
fn with_mac(scheme: &Scheme, mac_part: &str) -> Headers {
    let h = signed(scheme);
    let name = scheme.signature_header().to_owned();
    let value = match scheme {
        Scheme::Standard => format!("v1,{mac_part}"),
        Scheme::Github | Scheme::HmacSha256 { .. } => format!("sha256={mac_part}"),
        Scheme::Stripe => format!("t={TS},v1={mac_part}"),
        Scheme::Slack => format!("v0={mac_part}"),
        Scheme::Shopify => mac_part.to_owned(),
    };
    set(&h, &name, &value)
}

/// Just the MAC part of a correctly signed delivery's signature header.
fn good_mac(scheme: &Scheme) -> String {
    let value = get(&signed(scheme), scheme.signature_header());
    match scheme {
        Scheme::Standard => value["v1,".len()..].to_owned(),
        Scheme::Github | Scheme::HmacSha256 { .. } => value["sha256=".len()..].to_owned(),
        Scheme::Stripe => value.split_once(",v1=").unwrap().1.to_owned(),
        Scheme::Slack => value["v0=".len()..].to_owned(),
        Scheme::Shopify => value,
    }
}

#[test]
fn empty_and_truncated_signatures_never_match() {
    for scheme in all_schemes() {
        let s = secret(&scheme);
        let good = good_mac(&scheme);
        assert!(check(&scheme, &s, &with_mac(&scheme, &good), BODY, TS).is_ok());
        let mut bad = vec![
            String::new(),
            good[..good.len() - 1].to_owned(),
            good[..good.len() / 2].to_owned(),
            good[..1].to_owned(),
            format!("{good}0"),
            format!("{good}{good}"),
        ];
        // One character changed, keeping the encoding valid.
        let mut flipped = good.clone().into_bytes();
        flipped[3] = if flipped[3] == b'0' { b'1' } else { b'0' };
        bad.push(String::from_utf8(flipped).unwrap());
        for mac_part in bad {
            assert_eq!(
                check(&scheme, &s, &with_mac(&scheme, &mac_part), BODY, TS),
                Err(Reject::BadSignature),
                "{scheme}: {mac_part:?}"
            );
        }
        let name = scheme.signature_header();
        let empty_forms: &[&str] = match scheme {
            Scheme::Standard => &["", " ", "v1,", "v1, v1,", "v1", ","],
            Scheme::Github => &["", "sha256=", "sha256", "="],
            Scheme::Stripe => &[],
            Scheme::Slack => &["", "v0=", "v0"],
            Scheme::Shopify => &["", "="],
            Scheme::HmacSha256 { .. } => &["", "sha256=", "SHA256="],
        };
        for value in empty_forms {
            let h = set(&signed(&scheme), name, value);
            assert_eq!(
                check(&scheme, &s, &h, BODY, TS),
                Err(Reject::BadSignature),
                "{scheme}: {value:?}"
            );
        }
    }
    for value in [
        format!("t={TS}"),
        format!("t={TS},v1="),
        format!("t={TS},v1,"),
    ] {
        let h = vec![("Stripe-Signature".to_owned(), value.clone())];
        assert_eq!(
            check(&Scheme::Stripe, &secret(&Scheme::Stripe), &h, BODY, TS),
            Err(Reject::BadSignature),
            "{value:?}"
        );
    }
}

#[test]
fn signatures_do_not_match_under_another_scheme() {
    // The same key and body signed by github, checked as hmac-sha256 must pass (same format),
    // but a Shopify base64 MAC is not a hex digest.
    let gh = Scheme::Github;
    let hm = Scheme::HmacSha256 {
        header: "X-Hub-Signature-256".to_owned(),
    };
    let h = signed(&gh);
    assert!(check(&hm, &secret(&hm), &h, BODY, TS).is_ok());
    let shop = get(&signed(&Scheme::Shopify), "X-Shopify-Hmac-Sha256");
    let h = vec![("X-Hub-Signature-256".to_owned(), shop)];
    assert_eq!(
        check(&hm, &secret(&hm), &h, BODY, TS),
        Err(Reject::BadSignature)
    );
}

#[test]
fn hex_digests_are_case_insensitive_and_prefix_is_optional_for_hmac_sha256() {
    for scheme in all_schemes() {
        let good = good_mac(&scheme);
        if matches!(scheme, Scheme::Standard | Scheme::Shopify) {
            continue; // base64 is case-sensitive
        }
        let h = with_mac(&scheme, &good.to_ascii_uppercase());
        assert!(
            check(&scheme, &secret(&scheme), &h, BODY, TS).is_ok(),
            "{scheme}"
        );
    }
    let scheme = &all_schemes()[5];
    let name = scheme.signature_header();
    for value in [good_mac(scheme), format!("SHA256={}", good_mac(scheme))] {
        let h = set(&signed(scheme), name, &value);
        assert!(
            check(scheme, &secret(scheme), &h, BODY, TS).is_ok(),
            "{value}"
        );
    }
    // GitHub always sends the prefix; a bare digest is not GitHub's format.
    let h = set(
        &signed(&Scheme::Github),
        "X-Hub-Signature-256",
        &good_mac(&Scheme::Github),
    );
    assert_eq!(
        check(&Scheme::Github, &secret(&Scheme::Github), &h, BODY, TS),
        Err(Reject::BadSignature)
    );
}

#[test]
fn standard_tries_every_v1_entry() {
    let scheme = Scheme::Standard;
    let s = secret(&scheme);
    let good = good_mac(&scheme);
    let old = STANDARD.encode([7u8; 32]);
    let ok = [
        format!("v1,{good} v1,{good}"),
        format!("v1,{old} v1,{good}"),
        format!("v1,{good} v1,{old}"),
        format!("v1a,{old} v2,{good} v1,{good}"),
        format!("v1, v1,{good}"),
        format!("  v1,{old}   v1,{good}  "),
    ];
    for value in ok {
        let h = set(&signed(&scheme), "webhook-signature", &value);
        assert!(check(&scheme, &s, &h, BODY, TS).is_ok(), "{value}");
    }
    let bad = [
        format!("v1,{old} v1,{old}"),
        format!("v2,{good}"),
        format!("v1a,{good}"),
        format!("v1,{good},"),
        format!("v1;{good}"),
        format!("v1,{}", good.trim_end_matches('=')),
        format!("v1,{good}="),
    ];
    for value in bad {
        let h = set(&signed(&scheme), "webhook-signature", &value);
        assert_eq!(
            check(&scheme, &s, &h, BODY, TS),
            Err(Reject::BadSignature),
            "{value}"
        );
    }
}

#[test]
fn stripe_tries_every_v1_entry_and_ignores_other_schemes() {
    let scheme = Scheme::Stripe;
    let s = secret(&scheme);
    let good = good_mac(&scheme);
    let old = "ab".repeat(32);
    let ok = [
        format!("t={TS},v1={good},v1={good}"),
        format!("t={TS},v1={old},v1={good}"),
        format!("v1={good},t={TS}"),
        format!("t={TS},v0={old},v1={good}"),
        format!("t={TS}, v1={good}"),
    ];
    for value in ok {
        let h = vec![("Stripe-Signature".to_owned(), value.clone())];
        assert!(check(&scheme, &s, &h, BODY, TS).is_ok(), "{value}");
    }
    let bad = [
        format!("t={TS},v0={good}"),
        format!("t={TS},v1={old},v1={old}"),
    ];
    for value in bad {
        let h = vec![("Stripe-Signature".to_owned(), value.clone())];
        assert_eq!(
            check(&scheme, &s, &h, BODY, TS),
            Err(Reject::BadSignature),
            "{value}"
        );
    }
}

#[test]
fn malformed_timestamps_are_refused() {
    let good = good_mac(&Scheme::Stripe);
    for value in [
        format!("v1={good}"),
        format!("t=,v1={good}"),
        format!("t=abc,v1={good}"),
        format!("t=-5,v1={good}"),
        format!("t={TS},t={TS},v1={good}"),
        format!("t=99999999999999999999,v1={good}"),
    ] {
        let h = vec![("Stripe-Signature".to_owned(), value.clone())];
        assert!(
            matches!(
                check(&Scheme::Stripe, &secret(&Scheme::Stripe), &h, BODY, TS),
                Err(Reject::Malformed(_))
            ),
            "{value}"
        );
    }
    for (scheme, name) in [
        (Scheme::Standard, "webhook-timestamp"),
        (Scheme::Slack, "X-Slack-Request-Timestamp"),
    ] {
        for value in ["", "1.5", "+1", "0x10", "1e9", "-1"] {
            let h = set(&signed(&scheme), name, value);
            assert!(
                matches!(
                    check(&scheme, &secret(&scheme), &h, BODY, TS),
                    Err(Reject::Malformed(_))
                ),
                "{scheme}: {value:?}"
            );
        }
    }
}

#[test]
fn reject_messages_never_echo_signatures() {
    let good = good_mac(&Scheme::Stripe);
    let h = vec![("Stripe-Signature".to_owned(), format!("t=x,v1={good}"))];
    let err = check(&Scheme::Stripe, &secret(&Scheme::Stripe), &h, BODY, TS).unwrap_err();
    assert!(!err.to_string().contains(&good));
    assert_eq!(
        Reject::TimestampOutOfTolerance { skew_secs: -40 }.to_string(),
        "timestamp is 40 seconds in the future, outside the tolerance"
    );
}

// --- secrets and schemes -----------------------------------------------------------------

#[test]
fn secrets_are_parsed_per_scheme() {
    let std = Scheme::Standard;
    assert_eq!(parse_secret(&std, "").err(), Some(SecretError::Empty));
    assert_eq!(parse_secret(&std, "  ").err(), Some(SecretError::Empty));
    assert_eq!(
        parse_secret(&std, "whsec_").err(),
        Some(SecretError::EmptyKey)
    );
    assert!(parse_secret(&std, "whsec_=").is_err());
    assert!(matches!(
        parse_secret(&std, "whsec_!!!!"),
        Err(SecretError::InvalidBase64(_))
    ));
    assert_eq!(
        parse_secret(&std, "C2FVsBQIhrscChlQIMV+b5sSYspob7oD").err(),
        Some(SecretError::MissingPrefix)
    );
    assert_eq!(
        parse_secret(&std, STD_SECRET).unwrap().key(),
        key_bytes(&std)
    );
    // Unpadded base64 is accepted, as senders vary.
    assert_eq!(parse_secret(&std, "whsec_AQI").unwrap().key(), [1, 2]);

    let stripe = parse_secret(&Scheme::Stripe, "whsec_abc").unwrap();
    assert_eq!(stripe.key(), b"whsec_abc");
    for scheme in all_schemes().into_iter().skip(1) {
        assert_eq!(parse_secret(&scheme, "").err(), Some(SecretError::Empty));
        assert_eq!(parse_secret(&scheme, "k").unwrap().key(), b"k");
    }
}

#[test]
fn secret_errors_never_show_the_secret() {
    let err = parse_secret(&Scheme::Standard, "whsec_sup3r$ecret").unwrap_err();
    assert!(!err.to_string().contains("sup3r"), "{err}");
    let err = parse_secret(&Scheme::Standard, "sup3rsecret").unwrap_err();
    assert!(!err.to_string().contains("sup3r"), "{err}");
}

#[test]
fn secrets_are_redacted() {
    let s = parse_secret(&Scheme::Github, "hunter2").unwrap();
    assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
    assert_eq!(s.to_string(), "<redacted>");
    assert!(!format!("{s:#?}").contains("hunter2"));
}

#[test]
fn schemes_parse_from_config_names() {
    for scheme in all_schemes() {
        let header = match &scheme {
            Scheme::HmacSha256 { header } => Some(header.as_str()),
            _ => None,
        };
        assert_eq!(Scheme::parse(scheme.name(), header), Ok(scheme.clone()));
        assert_eq!(scheme.to_string(), scheme.name());
    }
    assert_eq!("github".parse::<Scheme>(), Ok(Scheme::Github));
    let err = "hmac-sha256".parse::<Scheme>().unwrap_err();
    assert!(err.contains("needs `header`"), "{err}");
    let err = "gitlab".parse::<Scheme>().unwrap_err();
    assert!(
        err.contains("\"gitlab\"") && err.contains("hmac-sha256"),
        "{err}"
    );
    let err = Scheme::parse("github", Some("X-Sig")).unwrap_err();
    assert!(err.contains("only to scheme \"hmac-sha256\""), "{err}");
    for bad in ["", "X Sig", "X-Sig:", "Sig\n"] {
        assert!(Scheme::parse("hmac-sha256", Some(bad)).is_err(), "{bad:?}");
    }
    assert_eq!(Scheme::NAMES.len(), all_schemes().len());
}

#[test]
fn standard_sign_makes_up_an_id_when_none_is_given() {
    let scheme = Scheme::Standard;
    let s = secret(&scheme);
    let a = sign(&scheme, &s, None, TS, BODY);
    let b = sign(&scheme, &s, None, TS, BODY);
    let id = get(&a, "webhook-id");
    assert!(id.starts_with("msg_") && id.len() > 20, "{id}");
    assert_ne!(id, get(&b, "webhook-id"));
    assert_eq!(
        check(&scheme, &s, &a, BODY, TS).unwrap().delivery_id,
        Some(id)
    );
}

#[test]
fn delivery_id_falls_back_to_id_header_then_body_id() {
    let body = serde_json::json!({"id": "evt_01J9Z", "data": {"id": "inner"}});
    assert_eq!(
        delivery_id_fallback(Some("req-1".into()), Some(&body)),
        Some("req-1".into())
    );
    assert_eq!(
        delivery_id_fallback(Some(" ".into()), Some(&body)),
        Some("evt_01J9Z".into())
    );
    assert_eq!(
        delivery_id_fallback(None, Some(&body)),
        Some("evt_01J9Z".into())
    );
    for body in [
        serde_json::json!({"id": 17}),
        serde_json::json!({"id": ""}),
        serde_json::json!({"data": {"id": "inner"}}),
        serde_json::json!(["id"]),
        serde_json::json!("id"),
    ] {
        assert_eq!(delivery_id_fallback(None, Some(&body)), None, "{body}");
    }
    assert_eq!(delivery_id_fallback(None, None), None);
}

// --- properties --------------------------------------------------------------------------

fn scheme_strategy() -> impl Strategy<Value = Scheme> {
    (0..6usize).prop_map(|i| all_schemes().swap_remove(i))
}

fn header_value_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,120}",
        "(v1,[A-Za-z0-9+/=]{0,50} ?){0,4}",
        "(t=[0-9-]{0,12},)?(v[01]=[0-9a-fA-F]{0,70},?){0,3}",
        "(sha256=|v0=)?[0-9a-fA-F]{60,68}",
        "[0-9]{0,20}",
    ]
}

fn headers_strategy() -> impl Strategy<Value = Headers> {
    let names = prop_oneof![
        Just("webhook-id".to_owned()),
        Just("webhook-timestamp".to_owned()),
        Just("webhook-signature".to_owned()),
        Just("X-Hub-Signature-256".to_owned()),
        Just("X-GitHub-Delivery".to_owned()),
        Just("Stripe-Signature".to_owned()),
        Just("X-Slack-Signature".to_owned()),
        Just("X-Slack-Request-Timestamp".to_owned()),
        Just("X-Shopify-Hmac-Sha256".to_owned()),
        Just("X-Shopify-Webhook-Id".to_owned()),
        Just("X-LangWatch-Signature".to_owned()),
        any::<String>(),
    ];
    prop::collection::vec((names, header_value_strategy()), 0..8)
}

proptest! {
    #[test]
    fn verify_never_panics(
        scheme in scheme_strategy(),
        headers in headers_strategy(),
        body in prop::collection::vec(any::<u8>(), 0..256),
        now in any::<i64>(),
        tolerance in any::<i64>(),
    ) {
        let s = secret(&scheme);
        let _ = verify(&scheme, &s, &lookup(&headers), &body, now, tolerance);
    }

    #[test]
    fn sign_then_verify_round_trips(
        scheme in scheme_strategy(),
        key in prop::collection::vec(any::<u8>(), 1..80),
        text_key in "[!-~]{1,64}",
        id in "[A-Za-z0-9_-]{1,40}",
        ts in 0i64..=4_102_444_800,
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let raw = match scheme {
            Scheme::Standard => format!("whsec_{}", STANDARD.encode(&key)),
            _ => text_key,
        };
        let s = parse_secret(&scheme, &raw).unwrap();
        let headers = sign(&scheme, &s, Some(&id), ts, &body);
        let ok = verify(&scheme, &s, &lookup(&headers), &body, ts, 0).unwrap();
        prop_assert_eq!(ok.delivery_id, scheme.id_header().map(|_| id.clone()));
        prop_assert_eq!(ok.timestamp, scheme.carries_timestamp().then_some(ts));
        if !body.is_empty() {
            let mut tampered = body.clone();
            tampered[0] ^= 1;
            prop_assert_eq!(
                verify(&scheme, &s, &lookup(&headers), &tampered, ts, 0),
                Err(Reject::BadSignature)
            );
        }
    }
}

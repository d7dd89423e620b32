//! Webhook signature schemes: secret parsing, signing and constant-time verification, free of I/O.
//!
//! Every scheme is HMAC-SHA256. A signature is only ever compared as a full 32-byte MAC, decoded
//! from its hex or base64 form first, through `subtle`: an empty, truncated or over-long
//! signature cannot match, and the comparison takes the same time whichever byte differs.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

const MAC_LEN: usize = 32;

/// Base64 for secrets as people paste them: standard alphabet, padding optional.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub const STANDARD_ID: &str = "webhook-id";
pub const STANDARD_TIMESTAMP: &str = "webhook-timestamp";
pub const STANDARD_SIGNATURE: &str = "webhook-signature";
pub const GITHUB_SIGNATURE: &str = "X-Hub-Signature-256";
pub const GITHUB_DELIVERY: &str = "X-GitHub-Delivery";
pub const STRIPE_SIGNATURE: &str = "Stripe-Signature";
pub const SLACK_SIGNATURE: &str = "X-Slack-Signature";
pub const SLACK_TIMESTAMP: &str = "X-Slack-Request-Timestamp";
pub const SHOPIFY_SIGNATURE: &str = "X-Shopify-Hmac-Sha256";
pub const SHOPIFY_ID: &str = "X-Shopify-Webhook-Id";

/// How a source signs its deliveries (`[[webhooks.sources]] scheme`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64> …`.
    Standard,
    /// `X-Hub-Signature-256: sha256=<hex>` over the body.
    Github,
    /// `Stripe-Signature: t=…,v1=<hex>[,v1=…]` over `{t}.{body}`.
    Stripe,
    /// `X-Slack-Signature: v0=<hex>` over `v0:{ts}:{body}`.
    Slack,
    /// `X-Shopify-Hmac-Sha256: <base64>` over the body.
    Shopify,
    /// A hex digest, optionally prefixed `sha256=`, in a configured header.
    HmacSha256 { header: String },
}

impl Scheme {
    /// The scheme names accepted in config, in documentation order.
    pub const NAMES: [&'static str; 6] = [
        "standard",
        "github",
        "stripe",
        "slack",
        "shopify",
        "hmac-sha256",
    ];

    /// Builds a scheme from its config name and the source's `header` key.
    ///
    /// `header` is required by `hmac-sha256` and refused by every other scheme, whose headers
    /// are fixed: a `header` that would be silently ignored is more likely a mistake.
    pub fn parse(name: &str, header: Option<&str>) -> Result<Scheme, String> {
        let scheme = match name {
            "standard" => Scheme::Standard,
            "github" => Scheme::Github,
            "stripe" => Scheme::Stripe,
            "slack" => Scheme::Slack,
            "shopify" => Scheme::Shopify,
            "hmac-sha256" => {
                let Some(header) = header else {
                    return Err(
                        "scheme \"hmac-sha256\" needs `header`, the name of the header \
                                that carries the hex digest"
                            .to_owned(),
                    );
                };
                if !is_header_name(header) {
                    return Err(format!("header {header:?} is not a valid HTTP header name"));
                }
                return Ok(Scheme::HmacSha256 {
                    header: header.to_owned(),
                });
            }
            other => {
                return Err(format!(
                    "unknown webhook scheme {other:?}; expected one of: {}",
                    Scheme::NAMES.join(", ")
                ));
            }
        };
        match header {
            Some(_) => Err(format!(
                "`header` applies only to scheme \"hmac-sha256\"; scheme {name:?} has fixed headers"
            )),
            None => Ok(scheme),
        }
    }

    /// The config name of the scheme.
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::Standard => "standard",
            Scheme::Github => "github",
            Scheme::Stripe => "stripe",
            Scheme::Slack => "slack",
            Scheme::Shopify => "shopify",
            Scheme::HmacSha256 { .. } => "hmac-sha256",
        }
    }

    /// The header that carries the signature, so the receiver can keep it out of logs.
    pub fn signature_header(&self) -> &str {
        match self {
            Scheme::Standard => STANDARD_SIGNATURE,
            Scheme::Github => GITHUB_SIGNATURE,
            Scheme::Stripe => STRIPE_SIGNATURE,
            Scheme::Slack => SLACK_SIGNATURE,
            Scheme::Shopify => SHOPIFY_SIGNATURE,
            Scheme::HmacSha256 { header } => header,
        }
    }

    /// The header the scheme itself puts the delivery id in, if it has one.
    pub fn id_header(&self) -> Option<&'static str> {
        match self {
            Scheme::Standard => Some(STANDARD_ID),
            Scheme::Github => Some(GITHUB_DELIVERY),
            Scheme::Shopify => Some(SHOPIFY_ID),
            Scheme::Stripe | Scheme::Slack | Scheme::HmacSha256 { .. } => None,
        }
    }

    /// Whether deliveries carry a signed timestamp that the tolerance applies to.
    pub fn carries_timestamp(&self) -> bool {
        matches!(self, Scheme::Standard | Scheme::Stripe | Scheme::Slack)
    }
}

impl FromStr for Scheme {
    type Err = String;

    /// Parses a scheme name alone; `hmac-sha256` needs its header, so use [`Scheme::parse`].
    fn from_str(name: &str) -> Result<Scheme, String> {
        Scheme::parse(name, None)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// RFC 9110 `token`: what a header name may be made of.
fn is_header_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A source's HMAC key. Its `Debug` and `Display` never show the key.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    fn key(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why a configured secret is unusable. Messages never contain the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the secret is empty")]
    Empty,
    #[error("a Standard Webhooks secret must start with \"whsec_\" followed by base64")]
    MissingPrefix,
    #[error("the base64 after \"whsec_\" is invalid: {0}")]
    InvalidBase64(String),
    #[error("the base64 after \"whsec_\" decodes to an empty key")]
    EmptyKey,
}

/// Turns a configured secret string into the key the scheme signs with.
///
/// `standard` decodes the base64 after `whsec_`; `stripe` signs with its `whsec_…` string as
/// is; the others sign with the string's bytes. The string is not trimmed: whoever reads it
/// from a file strips the trailing newline.
pub fn parse_secret(scheme: &Scheme, raw: &str) -> Result<Secret, SecretError> {
    if raw.trim().is_empty() {
        return Err(SecretError::Empty);
    }
    match scheme {
        Scheme::Standard => {
            let encoded = raw
                .strip_prefix("whsec_")
                .ok_or(SecretError::MissingPrefix)?;
            if encoded.is_empty() {
                return Err(SecretError::EmptyKey);
            }
            let key = BASE64_LENIENT
                .decode(encoded)
                .map_err(|e| SecretError::InvalidBase64(e.to_string()))?;
            if key.is_empty() {
                return Err(SecretError::EmptyKey);
            }
            Ok(Secret(key))
        }
        _ => Ok(Secret(raw.as_bytes().to_vec())),
    }
}

/// What a verified delivery says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The scheme's own delivery id (`webhook-id`, `X-GitHub-Delivery`, `X-Shopify-Webhook-Id`).
    pub delivery_id: Option<String>,
    /// The signed timestamp, in unix seconds, for schemes that carry one.
    pub timestamp: Option<i64>,
}

/// Why a delivery was refused. Every variant is a 401 at the receiver; messages never echo a
/// signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reject {
    #[error("missing header {0}")]
    MissingHeader(String),
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("signature does not match")]
    BadSignature,
    #[error("timestamp is {} seconds in the {}, outside the tolerance", .skew_secs.unsigned_abs(), if *.skew_secs < 0 { "future" } else { "past" })]
    TimestampOutOfTolerance {
        /// `now - timestamp`: positive when the delivery is old, negative when from the future.
        skew_secs: i64,
    },
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; MAC_LEN] {
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Constant-time equality of a candidate against the expected MAC; wrong lengths never match.
fn mac_matches(expected: &[u8; MAC_LEN], candidate: &[u8]) -> bool {
    candidate.len() == MAC_LEN && bool::from(expected.as_slice().ct_eq(candidate))
}

fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// Decodes exactly one MAC's worth of hex, either case; anything else is `None`.
fn hex_mac(s: &str) -> Option<[u8; MAC_LEN]> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let s = s.as_bytes();
    if s.len() != MAC_LEN * 2 {
        return None;
    }
    let mut out = [0u8; MAC_LEN];
    for (byte, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

fn hex_matches(expected: &[u8; MAC_LEN], candidate: &str) -> bool {
    hex_mac(candidate).is_some_and(|c| mac_matches(expected, &c))
}

/// Only the canonical, padded base64 of the MAC matches: a signature with a character dropped
/// is refused even where the dropped character was padding.
fn base64_matches(expected: &[u8; MAC_LEN], candidate: &str) -> bool {
    // 32 bytes are 44 base64 characters; anything much longer is not worth decoding.
    candidate.len() <= 64
        && STANDARD
            .decode(candidate)
            .is_ok_and(|c| mac_matches(expected, &c))
}

/// Strips `prefix` ASCII-case-insensitively.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn header(headers: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    headers(name).map(|v| v.trim().to_owned())
}

fn required(headers: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<String, Reject> {
    header(headers, name).ok_or_else(|| Reject::MissingHeader(name.to_owned()))
}

/// An id header's value, where an empty one counts as absent.
fn optional_id(headers: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    header(headers, name).filter(|v| !v.is_empty())
}

/// A timestamp as schemes send it: unix seconds, ASCII digits only.
fn parse_timestamp(name: &str, raw: &str) -> Result<i64, Reject> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Reject::Malformed(format!(
            "{name} must be unix seconds (digits only)"
        )));
    }
    raw.parse()
        .map_err(|_| Reject::Malformed(format!("{name} is out of range")))
}

fn check_tolerance(timestamp: i64, now_unix: i64, tolerance_secs: i64) -> Result<(), Reject> {
    let skew_secs = now_unix.saturating_sub(timestamp);
    if skew_secs.unsigned_abs() > tolerance_secs.max(0).unsigned_abs() {
        return Err(Reject::TimestampOutOfTolerance { skew_secs });
    }
    Ok(())
}

/// Checks a delivery's signature, then its timestamp against `tolerance_secs` either side of
/// `now_unix` where the scheme carries one.
///
/// `headers` looks a header up by name, case-insensitively. Values are trimmed of surrounding
/// whitespace, as HTTP does not count it as part of a field value.
pub fn verify(
    scheme: &Scheme,
    secret: &Secret,
    headers: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<Verified, Reject> {
    let key = secret.key();
    let (verified, matched) = match scheme {
        Scheme::Standard => {
            let id = required(headers, STANDARD_ID)?;
            if id.is_empty() {
                return Err(Reject::Malformed(format!("{STANDARD_ID} is empty")));
            }
            let ts_raw = required(headers, STANDARD_TIMESTAMP)?;
            let signatures = required(headers, STANDARD_SIGNATURE)?;
            let timestamp = parse_timestamp(STANDARD_TIMESTAMP, &ts_raw)?;
            let expected = mac(key, &[id.as_bytes(), b".", ts_raw.as_bytes(), b".", body]);
            // Every `v1,` entry is tried, so a sender may list old and new keys' signatures
            // while it rotates; entries of other versions are not ours to judge.
            let matched = signatures
                .split_ascii_whitespace()
                .filter_map(|entry| entry.strip_prefix("v1,"))
                .any(|sig| base64_matches(&expected, sig));
            (
                Verified {
                    delivery_id: Some(id),
                    timestamp: Some(timestamp),
                },
                matched,
            )
        }
        Scheme::Github => {
            let value = required(headers, GITHUB_SIGNATURE)?;
            let expected = mac(key, &[body]);
            let matched = value
                .strip_prefix("sha256=")
                .is_some_and(|sig| hex_matches(&expected, sig));
            (
                Verified {
                    delivery_id: optional_id(headers, GITHUB_DELIVERY),
                    timestamp: None,
                },
                matched,
            )
        }
        Scheme::Stripe => {
            let value = required(headers, STRIPE_SIGNATURE)?;
            let mut ts_raw = None;
            let mut candidates = Vec::new();
            for item in value.split(',') {
                let Some((k, v)) = item.trim().split_once('=') else {
                    continue;
                };
                match k {
                    "t" if ts_raw.is_some() => {
                        return Err(Reject::Malformed(format!(
                            "{STRIPE_SIGNATURE} has more than one t="
                        )));
                    }
                    "t" => ts_raw = Some(v),
                    "v1" => candidates.push(v),
                    _ => {}
                }
            }
            let ts_raw = ts_raw.ok_or_else(|| {
                Reject::Malformed(format!("{STRIPE_SIGNATURE} has no t= timestamp"))
            })?;
            let timestamp = parse_timestamp("Stripe-Signature t", ts_raw)?;
            let expected = mac(key, &[ts_raw.as_bytes(), b".", body]);
            let matched = candidates.iter().any(|sig| hex_matches(&expected, sig));
            (
                Verified {
                    delivery_id: None,
                    timestamp: Some(timestamp),
                },
                matched,
            )
        }
        Scheme::Slack => {
            let value = required(headers, SLACK_SIGNATURE)?;
            let ts_raw = required(headers, SLACK_TIMESTAMP)?;
            let timestamp = parse_timestamp(SLACK_TIMESTAMP, &ts_raw)?;
            let expected = mac(key, &[b"v0:", ts_raw.as_bytes(), b":", body]);
            let matched = value
                .strip_prefix("v0=")
                .is_some_and(|sig| hex_matches(&expected, sig));
            (
                Verified {
                    delivery_id: None,
                    timestamp: Some(timestamp),
                },
                matched,
            )
        }
        Scheme::Shopify => {
            let value = required(headers, SHOPIFY_SIGNATURE)?;
            let expected = mac(key, &[body]);
            (
                Verified {
                    delivery_id: optional_id(headers, SHOPIFY_ID),
                    timestamp: None,
                },
                base64_matches(&expected, &value),
            )
        }
        Scheme::HmacSha256 { header: name } => {
            let value = required(headers, name)?;
            let expected = mac(key, &[body]);
            let sig = strip_prefix_ci(&value, "sha256=").unwrap_or(&value);
            (
                Verified {
                    delivery_id: None,
                    timestamp: None,
                },
                hex_matches(&expected, sig),
            )
        }
    };
    if !matched {
        return Err(Reject::BadSignature);
    }
    if let Some(timestamp) = verified.timestamp {
        check_tolerance(timestamp, now_unix, tolerance_secs)?;
    }
    Ok(verified)
}

/// The headers a sender of `scheme` attaches to `body`, signed with `secret` at `ts` (unix
/// seconds, not negative; ignored by schemes without a timestamp).
///
/// `id` becomes the scheme's delivery id header where it has one. Standard Webhooks requires
/// an id, so without one a random `msg_…` id is made up.
pub fn sign(
    scheme: &Scheme,
    secret: &Secret,
    id: Option<&str>,
    ts: i64,
    body: &[u8],
) -> Vec<(String, String)> {
    let key = secret.key();
    let ts = ts.to_string();
    let pair = |k: &str, v: String| (k.to_owned(), v);
    match scheme {
        Scheme::Standard => {
            let id = id.map_or_else(random_message_id, str::to_owned);
            let sig = mac(key, &[id.as_bytes(), b".", ts.as_bytes(), b".", body]);
            vec![
                pair(STANDARD_ID, id),
                pair(STANDARD_TIMESTAMP, ts),
                pair(STANDARD_SIGNATURE, format!("v1,{}", STANDARD.encode(sig))),
            ]
        }
        Scheme::Github => {
            let sig = mac(key, &[body]);
            let mut out = vec![pair(
                GITHUB_SIGNATURE,
                format!("sha256={}", hex_encode(&sig)),
            )];
            out.extend(id.map(|id| pair(GITHUB_DELIVERY, id.to_owned())));
            out
        }
        Scheme::Stripe => {
            let sig = mac(key, &[ts.as_bytes(), b".", body]);
            vec![pair(
                STRIPE_SIGNATURE,
                format!("t={ts},v1={}", hex_encode(&sig)),
            )]
        }
        Scheme::Slack => {
            let sig = mac(key, &[b"v0:", ts.as_bytes(), b":", body]);
            vec![
                pair(SLACK_TIMESTAMP, ts),
                pair(SLACK_SIGNATURE, format!("v0={}", hex_encode(&sig))),
            ]
        }
        Scheme::Shopify => {
            let sig = mac(key, &[body]);
            let mut out = vec![pair(SHOPIFY_SIGNATURE, STANDARD.encode(sig))];
            out.extend(id.map(|id| pair(SHOPIFY_ID, id.to_owned())));
            out
        }
        Scheme::HmacSha256 { header } => {
            let sig = mac(key, &[body]);
            vec![pair(header, format!("sha256={}", hex_encode(&sig)))]
        }
    }
}

fn random_message_id() -> String {
    let bytes: [u8; 16] = rand::random();
    format!("msg_{}", hex_encode(&bytes))
}

/// The delivery id for schemes whose own id header is absent: the source's `id_header` value,
/// else the JSON body's top-level `id` string. Empty values count as absent; `None` means the
/// delivery cannot be deduplicated.
///
/// The scheme's own id comes first: `verified.delivery_id.or_else(|| delivery_id_fallback(…))`.
pub fn delivery_id_fallback(
    id_header_value: Option<String>,
    body_json: Option<&serde_json::Value>,
) -> Option<String> {
    id_header_value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .or_else(|| {
            body_json?
                .get("id")?
                .as_str()
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
        })
}

#[cfg(test)]
mod tests;

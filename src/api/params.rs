//! Query strings, strictly: percent-decoding that refuses malformed escapes and non-UTF-8,
//! each parameter at most once, and only the parameters a route declares. Every refusal is a
//! 400 problem naming the parameter.

use super::problem::Problem;
use base64::Engine;
use std::time::Duration;

/// Longest value any parameter may have.
pub const MAX_VALUE_LEN: usize = 512;

/// A route's validated query: the declared parameters that were given. An empty value is
/// "no filter" for free-text parameters (`model=`, as DESIGN's examples write it) and invalid
/// for typed ones.
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

/// Decode `%XX` escapes (and `+` as space) into UTF-8; `None` when malformed.
pub fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let s = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(s, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

impl Query {
    /// Parse `raw` (the part after `?`, without it) against the names a route accepts.
    pub fn parse(raw: &str, allowed: &[&str]) -> Result<Query, Problem> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for part in raw.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let key = percent_decode(k).ok_or_else(|| {
                Problem::param(
                    &k.chars().take(64).collect::<String>(),
                    "the parameter name is not valid percent-encoded UTF-8",
                )
            })?;
            if !allowed.contains(&key.as_str()) {
                let shown: String = key.chars().take(64).collect();
                let detail = if allowed.is_empty() {
                    format!("unknown parameter {shown:?}: this route takes no parameters")
                } else {
                    format!(
                        "unknown parameter {shown:?}; this route accepts {}",
                        allowed.join(", ")
                    )
                };
                return Err(Problem::param(&shown, detail));
            }
            let value = percent_decode(v).ok_or_else(|| {
                Problem::param(&key, "the value is not valid percent-encoded UTF-8")
            })?;
            if value.chars().count() > MAX_VALUE_LEN {
                return Err(Problem::param(
                    &key,
                    format!("the value is longer than {MAX_VALUE_LEN} characters"),
                ));
            }
            if value.chars().any(char::is_control) {
                return Err(Problem::param(&key, "the value holds control characters"));
            }
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(Problem::param(
                    &key,
                    "the parameter is given more than once",
                ));
            }
            pairs.push((key, value));
        }
        Ok(Query { pairs })
    }

    /// The raw value, empty or not.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A free-text filter: an empty value is no filter.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// One of `choices`, else `default`.
    pub fn choice<'a>(
        &self,
        name: &str,
        choices: &[&'a str],
        default: &'a str,
    ) -> Result<&'a str, Problem> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => choices.iter().copied().find(|c| *c == v).ok_or_else(|| {
                Problem::param(name, format!("{v:?} is not one of {}", choices.join(", ")))
            }),
        }
    }

    /// An integer in `range`, else `default`.
    pub fn int(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
        default: i64,
    ) -> Result<i64, Problem> {
        let Some(v) = self.get(name) else {
            return Ok(default);
        };
        let n: i64 = v
            .parse()
            .map_err(|_| Problem::param(name, format!("{v:?} is not an integer")))?;
        if !range.contains(&n) {
            return Err(Problem::param(
                name,
                format!("{n} is out of range {}..={}", range.start(), range.end()),
            ));
        }
        Ok(n)
    }

    /// A duration such as `1h` within `min..=max`, else `default`.
    pub fn duration(
        &self,
        name: &str,
        min: Duration,
        max: Duration,
        default: Duration,
    ) -> Result<Duration, Problem> {
        let Some(v) = self.get(name) else {
            return Ok(default);
        };
        if !is_duration_syntax(v) {
            return Err(Problem::param(
                name,
                format!("{v:?} is not a duration such as 5m, 1h or 1h30m (units d, h, m, s, ms)"),
            ));
        }
        let d = crate::net::parse_duration(v).map_err(|e| Problem::param(name, e))?;
        if d < min || d > max {
            return Err(Problem::param(
                name,
                format!(
                    "{v:?} is out of range: from {} to {}",
                    crate::net::format_duration(min),
                    crate::net::format_duration(max)
                ),
            ));
        }
        Ok(d)
    }

    /// A page cursor (see [`encode_cursor`]), if given.
    pub fn cursor(&self, name: &str) -> Result<Option<i64>, Problem> {
        self.get(name)
            .map(|v| {
                decode_cursor(v).ok_or_else(|| {
                    Problem::param(
                        name,
                        "not a cursor this API returned (use meta.next_cursor)",
                    )
                })
            })
            .transpose()
    }
}

/// Longest duration text accepted.
pub const MAX_DURATION_LEN: usize = 32;

/// `^([0-9]+(ms|d|h|m|s))+$` (the OpenAPI pattern), at most [`MAX_DURATION_LEN`] bytes.
pub fn is_duration_syntax(v: &str) -> bool {
    let b = v.as_bytes();
    if b.is_empty() || b.len() > MAX_DURATION_LEN {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        if b[i..].starts_with(b"ms") {
            i += 2;
        } else if matches!(b.get(i), Some(b'd' | b'h' | b'm' | b's')) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// The opaque cursor of a page: base64url of the last id it held.
pub fn encode_cursor(last_id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(last_id.to_string())
}

pub fn decode_cursor(text: &str) -> Option<i64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    let s = std::str::from_utf8(&bytes).ok()?;
    // Only the canonical spelling: digits, no sign, no leading zeros.
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) || s.starts_with('0')
    {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_decoding_refuses_bad_escapes_and_non_utf8() {
        assert_eq!(percent_decode("a%20b+c").as_deref(), Some("a b c"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
    }

    #[test]
    fn unknown_duplicate_and_malformed_parameters_are_named() {
        let allowed = ["window", "model"];
        let e = Query::parse("window=1h&nope=1", &allowed).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("nope"));
        let e = Query::parse("model=a&model=b", &allowed).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("model"));
        let e = Query::parse("model=%E0%A4", &allowed).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("model"));
        let q = Query::parse("window=1h&model=", &allowed).unwrap();
        assert_eq!(q.get("window"), Some("1h"));
        assert_eq!(q.text("model"), None);
        let q = Query::parse("window=", &allowed).unwrap();
        assert!(
            q.duration("window", Duration::ZERO, Duration::MAX, Duration::ZERO)
                .is_err()
        );
    }

    #[test]
    fn integers_and_durations_are_strict() {
        let q = Query::parse("limit=+5", &["limit"]).unwrap();
        assert_eq!(
            q.int("limit", 1..=500, 1).unwrap_err().param.as_deref(),
            Some("limit")
        );
        for ok in ["1h", "90s", "1h30m", "250ms", "7d"] {
            assert!(is_duration_syntax(ok), "{ok}");
        }
        for bad in ["", "1", "h", " 1h", "1h ", "1.5h", "1us", "-1h", "1H"] {
            assert!(!is_duration_syntax(bad), "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        for bad in [
            "",
            "!!",
            "MDQy",
            "LTE",
            "YWJj",
            "OTk5OTk5OTk5OTk5OTk5OTk5OTk5",
        ] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}

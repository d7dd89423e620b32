//! Firestore `Value` ⇄ plain JSON: the decoding every mirrored document goes through, and
//! the encoder used for seeding data and for cursor values.
//!
//! Decoding is total: any JSON in, JSON out, never a panic. A value kind this code does not
//! know becomes `null` with a warning, so one odd field cannot stop a sync.

use serde_json::{Map, Number, Value};

/// Decodes one Firestore `Value` (`{"integerValue": "42"}` …) to plain JSON.
///
/// - `integerValue` → integer, exact over the whole i64 range;
/// - `doubleValue` → number, NaN and ±Infinity → the strings `"NaN"`, `"Infinity"`,
///   `"-Infinity"`; a double always decodes to a float, even when the wire says `3`;
/// - `timestampValue` → RFC 3339 in UTC (`Z`), fractional digits kept as sent;
/// - `bytesValue` → the base64 string as sent; `referenceValue` → the resource name;
/// - `geoPointValue` → `{"latitude", "longitude"}`;
/// - `mapValue` / `arrayValue` → object / array, recursively (a missing `fields` or
///   `values` is an empty one);
/// - `nullValue` → null, `booleanValue` → bool, `stringValue` → string.
pub fn decode_value(v: &Value) -> Value {
    let Some(obj) = v.as_object() else {
        tracing::warn!("Firestore value is not an object; decoded as null");
        return Value::Null;
    };
    // A Value is a oneof: exactly one kind key. Anything else on the object is ignored.
    for (kind, inner) in obj {
        let decoded = match kind.as_str() {
            "nullValue" => Some(Value::Null),
            "booleanValue" => inner.as_bool().map(Value::Bool),
            "integerValue" => decode_integer(inner),
            "doubleValue" => decode_double(inner),
            "stringValue" | "bytesValue" | "referenceValue" => {
                inner.as_str().map(|s| Value::String(s.to_owned()))
            }
            "timestampValue" => inner
                .as_str()
                .map(|s| Value::String(normalize_timestamp(s))),
            "geoPointValue" => decode_geo_point(inner),
            "mapValue" => decode_map(inner),
            "arrayValue" => decode_array(inner),
            _ => continue,
        };
        return decoded.unwrap_or_else(|| {
            tracing::warn!(kind = %kind, "malformed Firestore value; decoded as null");
            Value::Null
        });
    }
    // Document data stays out of the log: only the unknown kind's name goes in.
    let kinds: Vec<&str> = obj.keys().map(String::as_str).collect();
    tracing::warn!(kinds = ?kinds, "unknown Firestore value kind; decoded as null");
    Value::Null
}

/// Decodes a document's `fields` map to a plain JSON object.
pub fn decode_fields(fields: &Map<String, Value>) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(k, v)| (k.clone(), decode_value(v)))
            .collect(),
    )
}

/// Encodes plain JSON as a Firestore `Value`: integers → `integerValue` (a string on the
/// wire), other numbers → `doubleValue`, strings → `stringValue`, objects → `mapValue`,
/// arrays → `arrayValue`.
///
/// Plain JSON has no timestamps, bytes, references or geo points, so strings stay
/// strings; a caller that needs those kinds writes raw fields itself. Integers beyond
/// i64 (only u64 can hold them) become doubles, as Firestore has no larger integer.
pub fn encode_value(v: &Value) -> Value {
    let (kind, inner) = match v {
        Value::Null => ("nullValue", Value::Null),
        Value::Bool(b) => ("booleanValue", Value::Bool(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                ("integerValue", Value::String(i.to_string()))
            } else {
                // u64 above i64::MAX, or a float: both are finite f64s.
                let f = n.as_f64().unwrap_or(f64::NAN);
                ("doubleValue", encode_double(f))
            }
        }
        Value::String(s) => ("stringValue", Value::String(s.clone())),
        Value::Array(items) => {
            let mut inner = Map::new();
            // Firestore omits `values` for an empty array; mirror it so encoded and
            // fetched fields compare equal.
            if !items.is_empty() {
                inner.insert(
                    "values".to_owned(),
                    Value::Array(items.iter().map(encode_value).collect()),
                );
            }
            ("arrayValue", Value::Object(inner))
        }
        Value::Object(map) => {
            let mut inner = Map::new();
            if !map.is_empty() {
                inner.insert("fields".to_owned(), Value::Object(encode_fields(map)));
            }
            ("mapValue", Value::Object(inner))
        }
    };
    let mut out = Map::new();
    out.insert(kind.to_owned(), inner);
    Value::Object(out)
}

/// Encodes a plain JSON object as a document's `fields` map.
pub fn encode_fields(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .map(|(k, v)| (k.clone(), encode_value(v)))
        .collect()
}

fn encode_double(f: f64) -> Value {
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None if f.is_nan() => Value::String("NaN".to_owned()),
        None if f > 0.0 => Value::String("Infinity".to_owned()),
        None => Value::String("-Infinity".to_owned()),
    }
}

fn decode_integer(inner: &Value) -> Option<Value> {
    // proto3 JSON sends int64 as a string; accept a bare number too. Never via f64.
    match inner {
        Value::String(s) => s.trim().parse::<i64>().ok().map(Value::from),
        Value::Number(n) => n.as_i64().map(Value::from),
        _ => None,
    }
}

fn decode_double(inner: &Value) -> Option<Value> {
    let f = match inner {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => match s.as_str() {
            "NaN" | "Infinity" | "-Infinity" => return Some(Value::String(s.clone())),
            other => other.trim().parse::<f64>().ok()?,
        },
        _ => return None,
    };
    Some(encode_double(f))
}

fn decode_geo_point(inner: &Value) -> Option<Value> {
    let obj = inner.as_object()?;
    // proto3 JSON omits zero fields, so a point on the equator has no `latitude`.
    let coord = |key: &str| -> Option<Value> {
        match obj.get(key) {
            None => Some(encode_double(0.0)),
            Some(v) => decode_double(v),
        }
    };
    let mut out = Map::new();
    out.insert("latitude".to_owned(), coord("latitude")?);
    out.insert("longitude".to_owned(), coord("longitude")?);
    Some(Value::Object(out))
}

fn decode_map(inner: &Value) -> Option<Value> {
    let obj = inner.as_object()?;
    match obj.get("fields") {
        None => Some(Value::Object(Map::new())),
        Some(fields) => fields.as_object().map(decode_fields),
    }
}

fn decode_array(inner: &Value) -> Option<Value> {
    let obj = inner.as_object()?;
    match obj.get("values") {
        None => Some(Value::Array(Vec::new())),
        Some(values) => values
            .as_array()
            .map(|vs| Value::Array(vs.iter().map(decode_value).collect())),
    }
}

/// Rewrites an RFC 3339 timestamp in UTC with a `Z`, keeping as many fractional digits as
/// it came with (the emulator sends microseconds, production up to nanoseconds). A string
/// that does not parse is passed through unchanged: losing it would be worse.
fn normalize_timestamp(s: &str) -> String {
    let Ok(parsed) = chrono::DateTime::parse_from_rfc3339(s) else {
        tracing::warn!(timestamp = %s, "timestampValue is not RFC 3339; kept as sent");
        return s.to_owned();
    };
    let utc = parsed.with_timezone(&chrono::Utc);
    let digits = fraction_digits(s).min(9);
    let mut out = utc.format("%Y-%m-%dT%H:%M:%S").to_string();
    if digits > 0 {
        let nanos = chrono::Timelike::nanosecond(&utc) % 1_000_000_000;
        let scaled = nanos / 10u32.pow(9 - digits as u32);
        out.push_str(&format!(".{scaled:0digits$}"));
    }
    out.push('Z');
    out
}

/// Number of digits after the seconds' decimal point in an RFC 3339 string.
fn fraction_digits(s: &str) -> usize {
    let time = s.find(['T', 't', ' ']).map_or(s, |i| &s[i..]);
    match time.find('.') {
        Some(dot) => time[dot + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count(),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn dec(v: Value) -> Value {
        decode_value(&v)
    }

    #[test]
    fn integers_stay_exact_at_the_i64_limits() {
        assert_eq!(
            dec(json!({"integerValue": "9223372036854775807"})),
            json!(i64::MAX)
        );
        assert_eq!(
            dec(json!({"integerValue": "-9223372036854775808"})),
            json!(i64::MIN)
        );
        assert_eq!(
            dec(json!({"integerValue": "9223372036854775807"})).as_i64(),
            Some(i64::MAX)
        );
        assert_eq!(dec(json!({"integerValue": 7})), json!(7));
    }

    #[test]
    fn integer_out_of_range_is_null_not_a_panic() {
        assert_eq!(
            dec(json!({"integerValue": "9223372036854775808"})),
            Value::Null
        );
        assert_eq!(dec(json!({"integerValue": "abc"})), Value::Null);
    }

    #[test]
    fn doubles_decode_to_floats_and_special_strings() {
        assert_eq!(dec(json!({"doubleValue": 1.5})), json!(1.5));
        let three = dec(json!({"doubleValue": 3}));
        assert!(three.is_f64(), "{three:?} should be a float");
        assert_eq!(three.as_f64(), Some(3.0));
        assert_eq!(dec(json!({"doubleValue": "NaN"})), json!("NaN"));
        assert_eq!(dec(json!({"doubleValue": "Infinity"})), json!("Infinity"));
        assert_eq!(dec(json!({"doubleValue": "-Infinity"})), json!("-Infinity"));
        assert_eq!(dec(json!({"doubleValue": "2.25"})), json!(2.25));
    }

    #[test]
    fn timestamps_normalize_to_utc_and_keep_their_digits() {
        assert_eq!(
            dec(json!({"timestampValue": "2024-01-02T03:04:05.123456Z"})),
            json!("2024-01-02T03:04:05.123456Z")
        );
        assert_eq!(
            dec(json!({"timestampValue": "2024-01-02T03:04:05.000001+01:00"})),
            json!("2024-01-02T02:04:05.000001Z")
        );
        assert_eq!(
            dec(json!({"timestampValue": "2024-01-02T03:04:05Z"})),
            json!("2024-01-02T03:04:05Z")
        );
        assert_eq!(
            dec(json!({"timestampValue": "2024-01-02T03:04:05.120000000Z"})),
            json!("2024-01-02T03:04:05.120000000Z")
        );
        assert_eq!(
            dec(json!({"timestampValue": "yesterday"})),
            json!("yesterday")
        );
    }

    #[test]
    fn scalar_kinds() {
        assert_eq!(dec(json!({"nullValue": null})), Value::Null);
        assert_eq!(dec(json!({"booleanValue": true})), json!(true));
        assert_eq!(dec(json!({"stringValue": "hé"})), json!("hé"));
        assert_eq!(dec(json!({"bytesValue": "AAEC/w=="})), json!("AAEC/w=="));
        assert_eq!(
            dec(json!({"referenceValue": "projects/p/databases/(default)/documents/c/d"})),
            json!("projects/p/databases/(default)/documents/c/d")
        );
    }

    #[test]
    fn geo_points_fill_omitted_zero_coordinates() {
        assert_eq!(
            dec(json!({"geoPointValue": {"latitude": 1.5, "longitude": -2}})),
            json!({"latitude": 1.5, "longitude": -2.0})
        );
        assert_eq!(
            dec(json!({"geoPointValue": {"longitude": 3.0}})),
            json!({"latitude": 0.0, "longitude": 3.0})
        );
    }

    #[test]
    fn maps_and_arrays_nest_and_may_be_empty() {
        let v = json!({"mapValue": {"fields": {
            "a": {"arrayValue": {"values": [
                {"mapValue": {"fields": {"x": {"integerValue": "1"}}}},
                {"mapValue": {}},
                {"arrayValue": {}}
            ]}}
        }}});
        assert_eq!(dec(v), json!({"a": [{"x": 1}, {}, []]}));
        assert_eq!(dec(json!({"mapValue": {}})), json!({}));
        assert_eq!(dec(json!({"arrayValue": {}})), json!([]));
    }

    #[test]
    fn unknown_or_malformed_kinds_are_null() {
        assert_eq!(dec(json!({"vectorValue": {}})), Value::Null);
        assert_eq!(dec(json!({})), Value::Null);
        assert_eq!(dec(json!("bare")), Value::Null);
        assert_eq!(dec(json!({"booleanValue": "yes"})), Value::Null);
        assert_eq!(dec(json!({"mapValue": {"fields": 3}})), Value::Null);
    }

    #[test]
    fn encode_shapes() {
        assert_eq!(
            encode_value(&json!(i64::MIN)),
            json!({"integerValue": "-9223372036854775808"})
        );
        assert_eq!(encode_value(&json!(0.5)), json!({"doubleValue": 0.5}));
        assert_eq!(
            encode_value(&json!({"a": [], "b": {}})),
            json!({"mapValue": {"fields": {"a": {"arrayValue": {}}, "b": {"mapValue": {}}}}})
        );
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            // Finite floats only: serde_json cannot hold NaN or infinities.
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".*".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(".*", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn arb_any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".*".prop_map(Value::String),
            prop::sample::select(vec![
                "nullValue",
                "booleanValue",
                "integerValue",
                "doubleValue",
                "stringValue",
                "bytesValue",
                "referenceValue",
                "timestampValue",
                "geoPointValue",
                "mapValue",
                "arrayValue",
                "fields",
                "values",
                "latitude",
            ])
            .prop_map(|s| Value::String(s.to_owned())),
        ];
        let keys = prop_oneof![
            prop::sample::select(vec![
                "nullValue",
                "booleanValue",
                "integerValue",
                "doubleValue",
                "timestampValue",
                "geoPointValue",
                "mapValue",
                "arrayValue",
                "fields",
                "values",
                "latitude",
                "longitude",
            ])
            .prop_map(str::to_owned),
            ".*",
        ];
        leaf.prop_recursive(5, 96, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(keys.clone(), inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(x in arb_json()) {
            prop_assert_eq!(decode_value(&encode_value(&x)), x);
        }

        #[test]
        fn decode_survives_a_text_round_trip_of_the_encoding(x in arb_json()) {
            // What the wire does to the encoding: serialize, parse back.
            let wire: Value = serde_json::from_str(&encode_value(&x).to_string()).unwrap();
            prop_assert_eq!(decode_value(&wire), x);
        }

        #[test]
        fn decode_never_panics(x in arb_any_json()) {
            let _ = decode_value(&x);
            if let Value::Object(m) = &x {
                let _ = decode_fields(m);
            }
        }
    }
}

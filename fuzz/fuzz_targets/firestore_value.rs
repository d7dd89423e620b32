//! Firestore REST JSON as a server could send it: decoding a value or a document's fields,
//! and building a trace row and its times from the result, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let decoded = vdt::firestore::decode_value(&v);
    let _ = vdt::traces::parse_time_ms(&v);
    if let Value::Object(fields) = &v {
        let doc = vdt::firestore::decode_fields(fields);
        if let Value::Object(obj) = &doc {
            let _ = vdt::traces::from_object(obj, Some("doc"), "firestore:fuzz", 0);
        }
        // A webhook's `data.trace` is taken as it comes, undecoded.
        let _ = vdt::traces::from_object(fields, None, "webhook:fuzz", i64::MAX);
    }
    // Encoding what came out and decoding again gives it back.
    assert_eq!(
        vdt::firestore::decode_value(&vdt::firestore::encode_value(&decoded)),
        decoded
    );
});

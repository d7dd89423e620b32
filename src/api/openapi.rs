//! The OpenAPI 3.1 document of every route.

use serde_json::{Value, json};

pub fn document() -> Value {
    json!({"openapi": "3.1.0"})
}

//! The webhook receiver's engines: signature schemes and per-source rate limiting.

pub mod ratelimit;
pub mod schemes;

//! The webhook receiver: signature schemes, per-source rate limiting, and the server that
//! checks, applies and logs deliveries.

pub mod ratelimit;
pub mod schemes;
pub mod server;

pub use server::{Handle, IngestBatch, SourceTable, WebhookServer};

//! The ceiling of the HTTP layer for `scripts/bench-webhooks.sh`: tiny_http with a worker pool
//! that reads each body and answers 200, nothing else.
//!
//! Usage: `bare_http [ADDR] [WORKERS]` (default 127.0.0.1:0, one worker per core, at least 4);
//! prints `{"listening":"ADDR"}` on stdout.

use std::sync::Arc;

/// The allocator of `vdt` itself, so that the ceiling is measured with the same one.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map_or(4, |n| n.get())
            .max(4)
    });
    let server = Arc::new(tiny_http::Server::http(&addr).expect("bind"));
    let bound = server.server_addr().to_ip().expect("an IP address");
    // The one line of output is the point of this program.
    #[allow(clippy::print_stdout)]
    {
        println!("{{\"listening\":\"{bound}\"}}");
    }
    let threads: Vec<_> = (0..workers)
        .map(|_| {
            let server = Arc::clone(&server);
            std::thread::spawn(move || {
                let mut body = Vec::with_capacity(4096);
                for mut rq in server.incoming_requests() {
                    body.clear();
                    let _ = rq.as_reader().read_to_end(&mut body);
                    let _ = rq.respond(tiny_http::Response::from_string("{\"status\":\"ok\"}"));
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

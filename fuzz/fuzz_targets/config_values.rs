//! Config value strings: durations, sizes, CIDRs, booleans and X-Forwarded-For. Never a panic;
//! what parses prints in a form that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::IpAddr;
use vdt::net::{IpNet, client_ip, format_duration, parse_duration, parse_size};

fuzz_target!(|s: &str| {
    if let Ok(d) = parse_duration(s) {
        assert_eq!(parse_duration(&format_duration(d)), Ok(d));
    }
    if let Ok(n) = parse_size(s) {
        assert_eq!(parse_size(&n.to_string()), Ok(n));
    }
    if let Ok(net) = s.parse::<IpNet>() {
        assert_eq!(net.to_string().parse::<IpNet>(), Ok(net));
    }
    let _ = vdt::config::parse_bool(s);
    let trusted: Vec<IpNet> = vec!["0.0.0.0/0".parse().unwrap(), "::/0".parse().unwrap()];
    let _ = client_ip(IpAddr::from([127, 0, 0, 1]), Some(s), &trusted);
});

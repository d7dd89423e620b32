//! Network-facing value parsing: CIDR allow lists, the client address behind trusted proxies,
//! and the size and duration strings config uses.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

/// An IPv4 or IPv6 network: an address with its host bits cleared, and a prefix length.
///
/// An IPv4 address and its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`) are one address here, so
/// a dual-stack listener's peers match `10.0.0.0/8` and `::/0` alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// Why a CIDR string was refused; the message names the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpNetError {
    #[error("invalid network {input:?}: {reason}")]
    Invalid { input: String, reason: String },
}

impl IpNet {
    /// A network from an address and prefix length; host bits are cleared.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<IpNet, String> {
        let max = match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        if prefix > max {
            return Err(format!("prefix /{prefix} is longer than {max} bits"));
        }
        let addr = match addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from_bits(a.to_bits() & mask32(prefix))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from_bits(a.to_bits() & mask128(prefix))),
        };
        Ok(IpNet { addr, prefix })
    }

    /// The network address (host bits cleared).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is inside the network, counting IPv4-mapped IPv6 as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match self.addr {
            IpAddr::V4(net) => {
                let ip = match ip {
                    IpAddr::V4(a) => a,
                    IpAddr::V6(a) => match a.to_ipv4_mapped() {
                        Some(a) => a,
                        None => return false,
                    },
                };
                ip.to_bits() & mask32(self.prefix) == net.to_bits()
            }
            IpAddr::V6(net) => {
                let ip = match ip {
                    IpAddr::V4(a) => a.to_ipv6_mapped(),
                    IpAddr::V6(a) => a,
                };
                ip.to_bits() & mask128(self.prefix) == net.to_bits()
            }
        }
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

impl FromStr for IpNet {
    type Err = IpNetError;

    /// `10.0.0.0/8`, `::1/128`, or a bare address (a /32 or /128). Host bits are cleared.
    fn from_str(s: &str) -> Result<IpNet, IpNetError> {
        let err = |reason: &str| IpNetError::Invalid {
            input: s.to_owned(),
            reason: reason.to_owned(),
        };
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| err("expected an IPv4 or IPv6 address, optionally /prefix"))?;
        let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                match p.parse::<u8>() {
                    Ok(n) if n <= max => n,
                    _ => return Err(err(&format!("prefix must be 0 to {max}"))),
                }
            }
            Some(_) => return Err(err(&format!("prefix must be 0 to {max}"))),
        };
        IpNet::new(addr, prefix).map_err(|reason| err(&reason))
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn trusted_by(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(ip))
}

/// One `X-Forwarded-For` entry: an address, or an address with a port as some proxies write it.
fn forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The address a request came from: the socket peer, unless the peer is a trusted proxy.
///
/// From a trusted peer, `X-Forwarded-For` (all its values joined by `,`) is walked from the
/// right, past addresses that are themselves trusted; the first untrusted one is the client.
/// Anything left of that was written by the client and is not believed. An entry that does
/// not parse ends the walk at the nearest hop already vouched for, rather than guessing. An
/// IPv4-mapped IPv6 result is returned as IPv4.
pub fn client_ip(peer: IpAddr, x_forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted_by(client, trusted) {
        return client;
    }
    let Some(xff) = x_forwarded_for else {
        return client;
    };
    for entry in xff.rsplit(',') {
        if entry.trim().is_empty() {
            continue;
        }
        let Some(hop) = forwarded_entry(entry) else {
            break;
        };
        client = hop.to_canonical();
        if !trusted_by(client, trusted) {
            break;
        }
    }
    client
}

/// A byte size: a number with an optional unit, `B`, decimal `KB`/`MB`/`GB`/`TB`, or binary
/// `KiB`/`MiB`/`GiB`/`TiB` (case-insensitive, space allowed); a bare number is bytes. A
/// fraction such as `1.5GiB` rounds down to whole bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let err = |reason: &str| format!("invalid size {s:?}: {reason}");
    let text = s.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let multiplier: u64 = match unit.trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000u64.pow(2),
        "gb" => 1000u64.pow(3),
        "tb" => 1000u64.pow(4),
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => {
            return Err(err(
                "expected a number with an optional unit: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB",
            ));
        }
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || fraction.contains('.') || number.ends_with('.') {
        return Err(err("expected a number such as 512, 1.5 or 10"));
    }
    if fraction.len() > 9 {
        return Err(err("at most 9 decimal places"));
    }
    let too_large = || err("too large");
    let whole: u128 = whole.parse().map_err(|_| too_large())?;
    let scale = 10u128.pow(fraction.len() as u32);
    let fraction: u128 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| err("bad fraction"))?
    };
    let bytes = whole
        .checked_mul(scale)
        .and_then(|n| n.checked_add(fraction))
        .and_then(|n| n.checked_mul(u128::from(multiplier)))
        .map(|n| n / scale)
        .ok_or_else(too_large)?;
    u64::try_from(bytes).map_err(|_| too_large())
}

const DURATION_UNITS: [(&str, u128); 7] = [
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

/// A duration: whole numbers with units `d`, `h`, `m`, `s`, `ms`, `us` (or `µs`), `ns`, run
/// together as in `1h30m`; a bare number is seconds. Zero is allowed.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let err = |reason: &str| format!("invalid duration {s:?}: {reason}");
    let text = s.trim();
    if text.is_empty() {
        return Err(err("empty; expected e.g. 30s, 5m, 1h30m, 250ms"));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        let secs = text.parse::<u64>().map_err(|_| err("too large"))?;
        return Ok(Duration::from_secs(secs));
    }
    let mut rest = text;
    let mut nanos: u128 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(err(
                "expected a number before each unit, e.g. 30s, 5m, 1h30m",
            ));
        }
        let (number, after) = rest.split_at(digits);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let unit = if unit == "µs" { "us" } else { unit };
        let per = DURATION_UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, per)| *per)
            .ok_or_else(|| {
                if unit.is_empty() {
                    err("a number without a unit; use d, h, m, s, ms, us or ns")
                } else {
                    err(&format!(
                        "unknown unit {unit:?}; use d, h, m, s, ms, us or ns"
                    ))
                }
            })?;
        let n: u128 = number.parse().map_err(|_| err("too large"))?;
        nanos = n
            .checked_mul(per)
            .and_then(|v| v.checked_add(nanos))
            .ok_or_else(|| err("too large"))?;
        rest = after;
    }
    let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| err("too large"))?;
    Ok(Duration::new(secs, (nanos % 1_000_000_000) as u32))
}

/// The canonical form of a duration, as `parse_duration` reads it: `1h30m`, `30s`, `250ms`,
/// `0s`.
pub fn format_duration(d: Duration) -> String {
    let mut nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    for (unit, per) in DURATION_UNITS {
        let n = nanos / per;
        if n > 0 {
            out.push_str(&n.to_string());
            out.push_str(unit);
            nanos %= per;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidrs_parse_and_match() {
        let ten = net("10.0.0.0/8");
        assert!(ten.contains(ip("10.255.1.2")));
        assert!(!ten.contains(ip("11.0.0.0")));
        assert!(net("::1/128").contains(ip("::1")));
        assert!(!net("::1/128").contains(ip("::2")));
        assert!(net("fd00::/8").contains(ip("fdab::1")));
        assert!(!net("fd00::/8").contains(ip("fe80::1")));
        assert!(net("0.0.0.0/0").contains(ip("203.0.113.9")));
        assert!(!net("0.0.0.0/0").contains(ip("2001:db8::1")));
        assert!(net("::/0").contains(ip("2001:db8::1")));
        assert_eq!(net("192.168.1.5"), net("192.168.1.5/32"));
        assert!(net("192.168.1.5").contains(ip("192.168.1.5")));
        assert!(!net("192.168.1.5").contains(ip("192.168.1.6")));
        assert_eq!(net("2001:db8::1"), net("2001:db8::1/128"));
    }

    #[test]
    fn host_bits_are_cleared() {
        assert_eq!(net("10.1.2.3/8").to_string(), "10.0.0.0/8");
        assert_eq!(net("2001:db8::1/32").to_string(), "2001:db8::/32");
        assert_eq!(net("1.2.3.4/0").to_string(), "0.0.0.0/0");
    }

    #[test]
    fn ipv4_mapped_ipv6_is_ipv4() {
        let mapped = ip("::ffff:10.1.2.3");
        assert!(net("10.0.0.0/8").contains(mapped));
        assert!(!net("11.0.0.0/8").contains(mapped));
        assert!(net("::/0").contains(ip("10.1.2.3")));
        assert!(net("::ffff:0:0/96").contains(ip("10.1.2.3")));
        assert!(net("::ffff:10.0.0.0/104").contains(ip("10.9.9.9")));
        assert!(!net("::ffff:10.0.0.0/104").contains(ip("11.9.9.9")));
        // The deprecated IPv4-compatible form is not IPv4.
        assert!(!net("10.0.0.0/8").contains(ip("::10.1.2.3")));
    }

    #[test]
    fn bad_cidrs_are_named_in_errors() {
        for bad in [
            "",
            "/8",
            "10.0.0.0/",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/8/8",
            "10.0.0/8",
            "10.0.0.0/+8",
            "10.0.0.0/ 8",
            "10.0.0.0/-1",
            "foo",
            "[::1]",
            "fe80::1%eth0",
            "10.0.0.0/0008",
            " 10.0.0.0/8",
        ] {
            let err = bad.parse::<IpNet>().unwrap_err().to_string();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
        assert!(
            "10.0.0.0/33"
                .parse::<IpNet>()
                .unwrap_err()
                .to_string()
                .contains("0 to 32")
        );
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_peers() {
        let trusted = [net("10.0.0.0/8"), net("::1")];
        let xff = Some("203.0.113.7");
        assert_eq!(
            client_ip(ip("198.51.100.1"), xff, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), xff, &trusted), ip("203.0.113.7"));
        assert_eq!(client_ip(ip("::1"), xff, &trusted), ip("203.0.113.7"));
        assert_eq!(client_ip(ip("10.0.0.2"), None, &trusted), ip("10.0.0.2"));
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some(""), &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), xff, &[]), ip("10.0.0.2"));
    }

    #[test]
    fn forwarded_for_is_walked_right_to_left_past_trusted_proxies() {
        let trusted = [net("10.0.0.0/8")];
        let peer = ip("10.0.0.1");
        // The client forged the leftmost entry; the first untrusted from the right is real.
        let xff = "1.1.1.1, 203.0.113.7, 10.0.0.9, 10.0.0.8";
        assert_eq!(client_ip(peer, Some(xff), &trusted), ip("203.0.113.7"));
        // Every hop trusted: the leftmost is as far as we can see.
        assert_eq!(
            client_ip(peer, Some("10.1.1.1, 10.2.2.2"), &trusted),
            ip("10.1.1.1")
        );
        assert_eq!(
            client_ip(peer, Some("2001:db8::7"), &trusted),
            ip("2001:db8::7")
        );
        assert_eq!(
            client_ip(peer, Some("203.0.113.7:4711, 10.0.0.9"), &trusted),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_ip(peer, Some("[2001:db8::7]:443"), &trusted),
            ip("2001:db8::7")
        );
        assert_eq!(
            client_ip(peer, Some(" ,203.0.113.7,, "), &trusted),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn garbage_in_forwarded_for_stops_at_the_nearest_vouched_hop() {
        let trusted = [net("10.0.0.0/8")];
        let peer = ip("10.0.0.1");
        assert_eq!(client_ip(peer, Some("unknown"), &trusted), peer);
        assert_eq!(client_ip(peer, Some("1.2.3.4, garbage"), &trusted), peer);
        assert_eq!(
            client_ip(peer, Some("1.2.3.4, <script>, 10.0.0.5"), &trusted),
            ip("10.0.0.5")
        );
        // Garbage to the left of the client is the client's own business.
        assert_eq!(
            client_ip(peer, Some("garbage, 203.0.113.7"), &trusted),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn mapped_peers_are_matched_and_reported_as_ipv4() {
        let trusted = [net("127.0.0.0/8")];
        let peer = ip("::ffff:127.0.0.1");
        assert_eq!(client_ip(peer, None, &trusted), ip("127.0.0.1"));
        assert_eq!(
            client_ip(peer, Some("::ffff:203.0.113.7"), &trusted),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_ip(ip("::ffff:8.8.8.8"), Some("1.1.1.1"), &trusted),
            ip("8.8.8.8")
        );
    }

    #[test]
    fn sizes_parse() {
        let cases = [
            ("1024", 1024),
            ("0", 0),
            ("1MiB", 1 << 20),
            ("512KiB", 512 << 10),
            ("10MB", 10_000_000),
            ("1 GiB", 1 << 30),
            ("1gib", 1 << 30),
            ("2TiB", 2 << 40),
            ("7B", 7),
            ("1.5KiB", 1536),
            ("1.5 kb", 1500),
            ("0.1B", 0),
            (" 3 MB ", 3_000_000),
            ("16777215TiB", 16_777_215 << 40),
        ];
        for (input, want) in cases {
            assert_eq!(parse_size(input), Ok(want), "{input}");
        }
    }

    #[test]
    fn bad_sizes_are_named_in_errors() {
        for bad in [
            "",
            "MiB",
            "-1",
            "1 Mb s",
            "1.2.3KB",
            "1.",
            ".5KB",
            "1e3",
            "1 MiBs",
            "12 parsecs",
            "99999999999999999999",
            "16777216TiB",
            "16777215TiB1",
            "18446744073709551616",
            "1.0000000001",
        ] {
            let err = parse_size(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn durations_parse() {
        let cases = [
            ("30s", Duration::from_secs(30)),
            ("1m", Duration::from_secs(60)),
            ("5m", Duration::from_secs(300)),
            ("1h", Duration::from_secs(3600)),
            ("30d", Duration::from_secs(30 * 86_400)),
            ("250ms", Duration::from_millis(250)),
            ("1h30m", Duration::from_secs(5400)),
            ("45", Duration::from_secs(45)),
            ("0", Duration::ZERO),
            ("0s", Duration::ZERO),
            ("1s500ms", Duration::from_millis(1500)),
            ("10us", Duration::from_micros(10)),
            ("10µs", Duration::from_micros(10)),
            ("7ns", Duration::from_nanos(7)),
            (" 2m ", Duration::from_secs(120)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_duration(input), Ok(want), "{input}");
        }
    }

    #[test]
    fn bad_durations_are_named_in_errors() {
        for bad in [
            "",
            "-5s",
            "-5",
            "s",
            "1.5h",
            "1h30",
            "5 m",
            "1H",
            "1x",
            "1sm",
            "ten",
            "1h-30m",
            "99999999999999999999",
            "9999999999999999999999d",
            "+5s",
        ] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn durations_format_canonically() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_secs(30), "30s"),
            (Duration::from_millis(250), "250ms"),
            (Duration::from_secs(5400), "1h30m"),
            (Duration::from_secs(30 * 86_400), "30d"),
            (Duration::from_millis(90_061_001), "1d1h1m1s1ms"),
            (Duration::new(1, 5), "1s5ns"),
        ];
        for (d, want) in cases {
            assert_eq!(format_duration(d), want);
        }
        assert_eq!(
            parse_duration(&format_duration(Duration::MAX)),
            Ok(Duration::MAX)
        );
    }

    proptest! {
        #[test]
        fn duration_round_trips(secs in any::<u64>(), nanos in 0u32..1_000_000_000) {
            let d = Duration::new(secs, nanos);
            prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }

        #[test]
        fn small_durations_round_trip(ms in 0u64..10_000_000_000) {
            let d = Duration::from_millis(ms);
            prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }

        #[test]
        fn parsers_never_panic(s in any::<String>()) {
            let _ = parse_size(&s);
            let _ = parse_duration(&s);
            let _ = s.parse::<IpNet>();
            let _ = client_ip(IpAddr::from([10, 0, 0, 1]), Some(&s), &["0.0.0.0/0".parse().unwrap()]);
        }

        #[test]
        fn unit_shaped_strings_never_panic(s in "[0-9. ]{0,25}(b|kb|KiB|MiB|GiB|TiB|TB|d|h|m|s|ms|us|µs|ns|x){0,3}[0-9]{0,22}") {
            let _ = parse_size(&s);
            let _ = parse_duration(&s);
        }

        #[test]
        fn sizes_in_bytes_round_trip(n in any::<u64>()) {
            prop_assert_eq!(parse_size(&n.to_string()), Ok(n));
        }

        #[test]
        fn every_v4_address_is_in_its_own_net(a in any::<u32>(), prefix in 0u8..=32) {
            let ip = IpAddr::V4(Ipv4Addr::from_bits(a));
            let n = IpNet::new(ip, prefix).unwrap();
            prop_assert!(n.contains(ip));
            prop_assert!(n.contains(IpAddr::V6(Ipv4Addr::from_bits(a).to_ipv6_mapped())));
            prop_assert_eq!(n.to_string().parse::<IpNet>(), Ok(n));
        }

        #[test]
        fn every_v6_address_is_in_its_own_net(a in any::<u128>(), prefix in 0u8..=128) {
            let ip = IpAddr::V6(Ipv6Addr::from_bits(a));
            let n = IpNet::new(ip, prefix).unwrap();
            prop_assert!(n.contains(ip));
            prop_assert_eq!(n.to_string().parse::<IpNet>(), Ok(n));
        }
    }
}

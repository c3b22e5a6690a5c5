//! The issue-7 benchmark shape, shared by `benches/compile.rs` and `tests/optimize.rs` (and
//! generated the same way by `scripts/bench-vs-firehol.py` for FireHOL): N synproxy statements,
//! each protecting its own port with a matching `server custom` service, plus ssh.

use std::fmt::Write as _;

pub fn config(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let _ = writeln!(
            s,
            "ipv4 synproxy input inface eth0 dst 198.51.100.1 dport {} accept",
            10000 + i
        );
    }
    s.push_str("interface4 eth0 wan\n    policy drop\n    server ssh accept\n");
    for i in 0..n {
        let _ = writeln!(
            s,
            "    server custom svc{i} tcp/{} default accept",
            10000 + i
        );
    }
    s
}

//! The match options fhc translates, grouped: the packet's own (protocol, addresses,
//! interfaces, ports) and the match modules', with the module each needs and the condition
//! each sets.

/// The options of the match modules fhc translates (each takes a value).
pub const MODULE_OPTIONS: &[&str] = &[
    "--state",
    "--ctstate",
    "--comment",
    "--limit",
    "--limit-burst",
    "--mac-source",
    "--uid-owner",
    "--gid-owner",
    "--match-set",
    "--icmp-type",
    "--icmpv6-type",
];

/// The options of the packet itself (protocol, addresses, interfaces, ports).
pub const ADDRESS_OPTIONS: &[&str] = &[
    "-p",
    "--protocol",
    "-s",
    "--source",
    "--src",
    "-d",
    "--destination",
    "--dst",
    "-i",
    "--in-interface",
    "-o",
    "--out-interface",
    "--sport",
    "--source-port",
    "--dport",
    "--destination-port",
    "--sports",
    "--source-ports",
    "--dports",
    "--destination-ports",
];

/// The module an option needs loaded with `-m` (the protocol's own options load with `-p`).
pub fn module_of(opt: &str) -> Option<&'static str> {
    Some(match opt {
        "--state" => "state",
        "--ctstate" => "conntrack",
        "--sports" | "--source-ports" | "--dports" | "--destination-ports" => "multiport",
        "--comment" => "comment",
        "--limit" | "--limit-burst" => "limit",
        "--mac-source" => "mac",
        "--uid-owner" | "--gid-owner" => "owner",
        "--match-set" => "set",
        _ => return None,
    })
}

/// The condition an option sets: two options of one slot on one line are refused.
pub fn slot_of(opt: &str) -> &'static str {
    match opt {
        "-p" | "--protocol" => "protocol",
        "-s" | "--source" | "--src" => "source address",
        "-d" | "--destination" | "--dst" => "destination address",
        "-i" | "--in-interface" => "incoming interface",
        "-o" | "--out-interface" => "outgoing interface",
        "--sport" | "--source-port" | "--sports" | "--source-ports" => "source port",
        "--dport" | "--destination-port" | "--dports" | "--destination-ports" => "destination port",
        "--state" | "--ctstate" => "connection state",
        "--limit" => "rate limit",
        "--limit-burst" => "limit burst",
        "--mac-source" => "MAC address",
        "--uid-owner" => "owner",
        "--gid-owner" => "group owner",
        "--comment" => "comment",
        "--icmp-type" | "--icmpv6-type" => "ICMP type",
        _ => "set",
    }
}

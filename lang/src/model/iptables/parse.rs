//! An iptables command line read as iptables reads it: the command (`-A`, `-I`, `-N`, `-P`,
//! `-F`), the table, then matches with their modules (`-m`), `!` before an option or (old
//! style) before its value, and the target with its options. Every option fhc does not
//! translate is named with its span (E0015), never skipped.

use super::options::{ADDRESS_OPTIONS, MODULE_OPTIONS, module_of, slot_of};
use crate::model::ir::{Cond, Limit, Match, RawTable, RawTarget};
use crate::model::values::{
    self, Af, Port, Proto, parse_iface, parse_mac, parse_owner, parse_port, parse_rate,
    parse_state, split_list,
};
use crate::span::Span;

/// A word of the line and its span.
pub type Arg = (String, Span);

/// What went wrong, where.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub span: Span,
    pub message: String,
    /// E0015 (not translated) rather than E0114 (iptables would refuse it).
    pub untranslated: bool,
}

pub(super) fn refuse(span: Span, message: String) -> Refusal {
    Refusal {
        span,
        message,
        untranslated: true,
    }
}

pub(super) fn invalid(span: Span, message: String) -> Refusal {
    Refusal {
        span,
        message,
        untranslated: false,
    }
}

/// An option's value as read: negated (`!` before the option or the value), its text and span,
/// and the span of the whole condition.
struct OptValue {
    neg: bool,
    v: String,
    vs: Span,
    cover: Span,
}

/// The command of the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Append,
    Insert,
    NewChain,
    /// `-P CHAIN TARGET`
    Policy(String),
    /// `-F [CHAIN]`, `-X`, `-Z`: FireHOL's fast activation skips them.
    Skipped(&'static str),
}

/// A line, read.
#[derive(Debug)]
pub struct Line {
    pub table: RawTable,
    pub command: Command,
    pub chain: String,
    pub matches: Match,
    pub proto: Option<Cond<crate::model::values::Proto>>,
    pub sport: Option<(bool, Vec<Port>)>,
    pub dport: Option<(bool, Vec<Port>)>,
    pub comment: Option<String>,
    /// `--icmp-type`/`--icmpv6-type`: (negated, type, code).
    pub icmp: Option<(bool, u8, Option<u8>)>,
    pub target: RawTarget,
    /// `-m set --match-set NAME FLAGS`: (name, directions, span), for the model's set checks.
    pub sets: Vec<(String, usize, Span)>,
}

/// Reads the words after `iptables`/`ip6tables`.
pub fn parse(args: &[Arg], af: Af) -> Result<Line, Refusal> {
    let mut r = Reader {
        args,
        i: 0,
        af,
        line: Line {
            table: RawTable::Filter,
            command: Command::Append,
            chain: String::new(),
            matches: Match::default(),
            proto: None,
            sport: None,
            dport: None,
            comment: None,
            icmp: None,
            target: RawTarget::None,
            sets: Vec::new(),
        },
        have_command: false,
        target_name: None,
        modules: Vec::new(),
        seen: Vec::new(),
    };
    r.run()?;
    Ok(r.line)
}

pub(super) struct Reader<'a> {
    pub(super) args: &'a [Arg],
    i: usize,
    pub(super) af: Af,
    pub(super) line: Line,
    have_command: bool,
    /// `-j NAME` and its span, read into `line.target` at the end (its options may follow).
    pub(super) target_name: Option<Arg>,
    /// The match modules loaded so far (`-m NAME`): an option needs its module.
    modules: Vec<String>,
    /// The conditions given so far: a second one of a kind is refused (iptables refuses a
    /// repeated option; two modules on one field would be two conditions fhc keeps one of).
    seen: Vec<&'static str>,
}

impl Reader<'_> {
    fn next(&mut self) -> Option<&Arg> {
        let a = self.args.get(self.i);
        self.i += 1;
        a
    }

    /// The value of option `opt` (at `span`), with an old-style `!` before it.
    fn value(&mut self, opt: &str, span: Span) -> Result<(bool, String, Span), Refusal> {
        let mut neg = false;
        if self.args.get(self.i).is_some_and(|a| a.0 == "!") {
            neg = true;
            self.i += 1;
        }
        match self.next() {
            Some((v, s)) => Ok((neg, v.clone(), *s)),
            None => Err(invalid(span, format!("`{opt}` needs a value"))),
        }
    }

    fn run(&mut self) -> Result<(), Refusal> {
        let mut pending_not: Option<Span> = None;
        let mut targets_opts: Vec<(String, String, Span)> = Vec::new();
        while let Some((opt, span)) = self.next().cloned() {
            if opt == "!" {
                pending_not = Some(span);
                continue;
            }
            let (neg_before, not_span) = (pending_not.is_some(), pending_not.take());
            match opt.as_str() {
                "-t" | "--table" => {
                    let (_, t, ts) = self.value(&opt, span)?;
                    self.line.table = match t.as_str() {
                        "filter" => RawTable::Filter,
                        "nat" => RawTable::Nat,
                        "mangle" => RawTable::Mangle,
                        "raw" => RawTable::Raw,
                        _ => {
                            return Err(refuse(
                                ts,
                                format!("fhc does not translate the `{t}` table"),
                            ));
                        }
                    };
                }
                "-A" | "--append" | "-I" | "--insert" | "-N" | "--new-chain" | "-P"
                | "--policy" | "-F" | "--flush" | "-X" | "--delete-chain" | "-Z" | "--zero" => {
                    self.command(&opt, span)?
                }
                "-D" | "--delete" | "-R" | "--replace" | "-E" | "--rename-chain" | "-L"
                | "--list" | "-S" | "--list-rules" | "-C" | "--check" => {
                    return Err(refuse(
                        span,
                        format!(
                            "`{opt}` changes or reads rules already loaded; fhc builds the ruleset from the configuration alone"
                        ),
                    ));
                }
                "-m" | "--match" => {
                    let (_, m, ms) = self.value(&opt, span)?;
                    self.modules.push(m.clone());
                    if !matches!(
                        m.as_str(),
                        "tcp"
                            | "udp"
                            | "multiport"
                            | "state"
                            | "conntrack"
                            | "comment"
                            | "limit"
                            | "mac"
                            | "owner"
                            | "set"
                    ) {
                        return Err(refuse(
                            ms,
                            format!("fhc does not translate the iptables match module `{m}`"),
                        ));
                    }
                }
                "-j" | "--jump" => self.jump(span, not_span)?,
                "-w" | "--wait" => {
                    // Waiting for the xtables lock: nothing to translate; a number may follow.
                    if self
                        .args
                        .get(self.i)
                        .is_some_and(|a| a.0.parse::<u32>().is_ok())
                    {
                        self.i += 1;
                    }
                }
                "--reject-with" | "--log-prefix" | "--log-level" | "--to-source"
                | "--to-destination" | "--to" | "--to-ports" | "--set-mark" | "--set-xmark"
                | "--notrack" => {
                    let v = if opt == "--notrack" {
                        String::new()
                    } else {
                        self.value(&opt, span)?.1
                    };
                    targets_opts.push((opt.clone(), v, span));
                }
                _ => self.match_option(&opt, span, neg_before, not_span)?,
            }
        }
        if !self.have_command {
            return Err(invalid(
                self.args.first().map_or(Span::default(), |a| a.1),
                "an iptables line needs a command: -A, -I, -N, -P or -F".into(),
            ));
        }
        self.target(targets_opts)?;
        self.check_target_place()?;
        self.check_ports_and_faces()
    }

    /// `-j TARGET` (read into `line.target` at the end, with the options that follow it).
    fn jump(&mut self, span: Span, not_span: Option<Span>) -> Result<(), Refusal> {
        if let Some(n) = not_span {
            return Err(invalid(
                n,
                "`!` cannot negate `-j` (iptables refuses it)".into(),
            ));
        }
        if self.target_name.is_some() {
            return Err(invalid(
                span,
                "`-j` given twice (iptables refuses it)".into(),
            ));
        }
        let (_, t, ts) = self.value("-j", span)?;
        self.target_name = Some((t, ts));
        Ok(())
    }

    fn command(&mut self, opt: &str, span: Span) -> Result<(), Refusal> {
        if self.have_command {
            return Err(invalid(span, format!("`{opt}`: one command per line")));
        }
        self.have_command = true;
        let chain = |r: &mut Self| -> Option<String> {
            match r.args.get(r.i) {
                Some((c, _)) if !c.starts_with('-') => {
                    r.i += 1;
                    Some(c.clone())
                }
                _ => None,
            }
        };
        let named = |r: &mut Self, what: &str| {
            chain(r).ok_or_else(|| invalid(span, format!("`{opt}` needs {what}")))
        };
        self.line.command = match opt {
            "-A" | "--append" => {
                self.line.chain = named(self, "a chain")?;
                Command::Append
            }
            "-I" | "--insert" => {
                self.line.chain = named(self, "a chain")?;
                if let Some((n, ns)) = self.args.get(self.i).cloned()
                    && n.parse::<u32>().is_ok()
                {
                    self.i += 1;
                    if n != "1" {
                        return Err(refuse(
                            ns,
                            format!(
                                "`-I {} {n}`: fhc translates inserts at the top of a chain only",
                                self.line.chain
                            ),
                        ));
                    }
                }
                Command::Insert
            }
            "-N" | "--new-chain" => {
                self.line.chain = named(self, "a chain name")?;
                Command::NewChain
            }
            "-P" | "--policy" => {
                self.line.chain = named(self, "a chain")?;
                Command::Policy(named(self, "a policy")?)
            }
            "-F" | "--flush" => {
                self.line.chain = chain(self).unwrap_or_default();
                Command::Skipped("-F")
            }
            "-X" | "--delete-chain" => {
                self.line.chain = chain(self).unwrap_or_default();
                Command::Skipped("-X")
            }
            _ => {
                self.line.chain = chain(self).unwrap_or_default();
                Command::Skipped("-Z")
            }
        };
        Ok(())
    }

    /// A match option (`-s`, `--dport`, `--state` ...).
    fn match_option(
        &mut self,
        opt: &str,
        span: Span,
        neg_before: bool,
        not_span: Option<Span>,
    ) -> Result<(), Refusal> {
        let at = not_span.map_or(span, |n| n.cover(span));
        if !ADDRESS_OPTIONS.contains(&opt) && !MODULE_OPTIONS.contains(&opt) {
            return Err(refuse(
                span,
                format!("fhc does not translate the iptables option `{opt}`"),
            ));
        }
        if let Some(module) = module_of(opt)
            && !self.modules.iter().any(|m| m == module)
        {
            return Err(invalid(
                span,
                format!("`{opt}` needs `-m {module}` before it (iptables refuses it)"),
            ));
        }
        let slot = slot_of(opt);
        if opt != "--match-set" && self.seen.contains(&slot) {
            return Err(refuse(
                span,
                format!(
                    "`{opt}`: a second {slot} condition on this line (fhc translates one of each)"
                ),
            ));
        }
        self.seen.push(slot);
        let (neg_after, v, vs) = self.value(opt, span)?;
        if (neg_before || neg_after) && matches!(opt, "--limit" | "--limit-burst" | "--comment") {
            return Err(invalid(
                vs,
                format!("`!` cannot negate `{opt}` (iptables refuses it)"),
            ));
        }
        let neg = neg_before || neg_after;
        let cover = at.cover(vs);
        let value = OptValue { neg, v, vs, cover };
        if ADDRESS_OPTIONS.contains(&opt) {
            self.address_option(opt, value)
        } else {
            self.module_option(opt, value)
        }
    }

    /// `-p`, `-s`, `-d`, `-i`, `-o` and the ports.
    fn address_option(&mut self, opt: &str, value: OptValue) -> Result<(), Refusal> {
        let OptValue { neg, v, vs, cover } = value;
        let m = &mut self.line.matches;
        let bad = |e: String| invalid(vs, e);
        match opt {
            "-p" | "--protocol" => {
                // iptables reads protocol 0 as `all`.
                let p = values::parse_proto(&v.to_ascii_lowercase())
                    .map_err(bad)?
                    .filter(|p| *p != Proto::Num(0));
                self.line.proto = p.map(|p| Cond {
                    negated: neg,
                    values: vec![p],
                    span: cover,
                });
            }
            "-s" | "--source" | "--src" | "-d" | "--destination" | "--dst" => {
                let mut values = Vec::new();
                for a in v.split(',') {
                    let addr = values::parse_addr(a).map_err(bad)?;
                    if let Some(f) = addr.family()
                        && f != self.af
                    {
                        return Err(invalid(
                            vs,
                            format!("`{a}` is not an address of this command's family"),
                        ));
                    }
                    values.push(addr);
                }
                let c = Some(Cond {
                    negated: neg,
                    values,
                    span: cover,
                });
                if matches!(opt, "-s" | "--source" | "--src") {
                    m.src = c;
                } else {
                    m.dst = c;
                }
            }
            "-i" | "--in-interface" | "-o" | "--out-interface" => {
                let c = Some(Cond {
                    negated: neg,
                    values: vec![parse_iface(&v).map_err(bad)?],
                    span: cover,
                });
                if matches!(opt, "-i" | "--in-interface") {
                    m.inface = c;
                } else {
                    m.outface = c;
                }
            }
            "--sport"
            | "--source-port"
            | "--sports"
            | "--source-ports"
            | "--dport"
            | "--destination-port"
            | "--dports"
            | "--destination-ports" => {
                if v.contains(',') && !opt.ends_with('s') {
                    return Err(bad(format!(
                        "`{opt} {v}`: a list of ports needs `-m multiport --{}s`",
                        opt.trim_start_matches('-')
                    )));
                }
                let ports = ports(&v).map_err(bad)?;
                if matches!(
                    opt,
                    "--sport" | "--source-port" | "--sports" | "--source-ports"
                ) {
                    self.line.sport = Some((neg, ports));
                } else {
                    self.line.dport = Some((neg, ports));
                }
            }
            _ => unreachable!("ADDRESS_OPTIONS"),
        }
        Ok(())
    }

    /// The options of the match modules: state, conntrack, comment, limit, mac, owner, set,
    /// icmp.
    fn module_option(&mut self, opt: &str, value: OptValue) -> Result<(), Refusal> {
        let OptValue { neg, v, vs, cover } = value;
        let m = &mut self.line.matches;
        let bad = |e: String| invalid(vs, e);
        match opt {
            "--state" | "--ctstate" => {
                let mut values = Vec::new();
                for s in v.split(',') {
                    values.push(parse_state(&s.to_ascii_uppercase()).map_err(bad)?);
                }
                m.state = Some(Cond {
                    negated: neg,
                    values,
                    span: cover,
                });
            }
            "--comment" => self.line.comment = Some(v),
            "--icmp-type" | "--icmpv6-type" if v == "any" && !neg => {}
            "--icmp-type" | "--icmpv6-type" => {
                let (t, c) = super::icmp::icmp_type(&v, self.af).ok_or_else(|| {
                    bad(format!(
                        "`{v}` is not an ICMP type of this command's family"
                    ))
                })?;
                if neg && c.is_some() {
                    return Err(refuse(
                        cover,
                        format!("`! {opt} {v}`: fhc translates a negated ICMP type without a code"),
                    ));
                }
                self.line.icmp = Some((neg, t, c));
            }
            "--limit" => {
                let rate = parse_rate(&v)
                    .filter(|r| r.n > 0)
                    .ok_or_else(|| bad(format!("`{v}` is not a rate above zero")))?;
                let burst = m.limit.as_ref().and_then(|l| l.burst);
                m.limit = Some(Limit {
                    rate,
                    burst,
                    span: cover,
                });
            }
            "--limit-burst" => {
                let n = v
                    .parse()
                    .map_err(|_| bad(format!("`{v}` is not a number")))?;
                match &mut m.limit {
                    Some(l) => l.burst = Some(n),
                    None => {
                        m.limit = Some(Limit {
                            rate: values::Rate {
                                n: 3,
                                per: values::Per::Hour,
                            },
                            burst: Some(n),
                            span: cover,
                        })
                    }
                }
            }
            "--mac-source" => {
                m.mac = Some(Cond {
                    negated: neg,
                    values: vec![parse_mac(&v).map_err(bad)?],
                    span: cover,
                })
            }
            "--uid-owner" | "--gid-owner" => {
                let c = Some(Cond {
                    negated: neg,
                    values: vec![parse_owner(&v).map_err(bad)?],
                    span: cover,
                });
                if opt == "--uid-owner" {
                    m.uid = c;
                } else {
                    m.gid = c;
                }
            }
            _ => self.match_set(neg, v, vs, cover)?,
        }
        Ok(())
    }

    /// `-m set --match-set NAME FLAGS`.
    fn match_set(&mut self, neg: bool, v: String, vs: Span, cover: Span) -> Result<(), Refusal> {
        let Some((flags, fs)) = self.args.get(self.i).cloned() else {
            return Err(invalid(
                vs,
                "`--match-set` needs a set name and src/dst flags".into(),
            ));
        };
        let src: Option<Vec<bool>> = flags
            .split(',')
            .map(|f| match f {
                "src" => Some(true),
                "dst" => Some(false),
                _ => None,
            })
            .collect();
        let src =
            src.ok_or_else(|| invalid(fs, format!("`{flags}`: src, dst, or a list like src,dst")))?;
        self.i += 1;
        self.line.sets.push((v.clone(), src.len(), cover.cover(fs)));
        self.line.matches.extras.push(crate::model::ir::Extra {
            negated: neg,
            kind: crate::model::ir::ExtraKind::Ipset(crate::model::ir::SetLookup { name: v, src }),
            span: cover.cover(fs),
        });
        Ok(())
    }
}

/// `80`, `1000:2000`, `22,80,443` (multiport), service names as iptables reads them.
fn ports(v: &str) -> Result<Vec<Port>, String> {
    let mut out = Vec::new();
    for p in split_list(&v.replace(',', " ")) {
        match parse_port(p)? {
            Some(p) => out.push(p),
            None => return Err(format!("`{p}` is not a port")),
        }
    }
    Ok(out)
}

//! FireHOL's `ipset` command (`create`, `add`, `addfile`; `ipset4`/`ipset6` for the family) and
//! the sets rules name. A set becomes a named nft set of fhc's table (see `ir::Ipset`): the
//! elements FireHOL would restore into the kernel's ipset are the nft set's elements, so the
//! ruleset loads with its sets filled, in one transaction.

mod elements;
mod uses;

pub use elements::{FileFilter, file_entries, parse_element, port_range};
pub use uses::SetUse;

use super::build::Builder;
use super::ir::{Ipset, IpsetElem, IpsetKind, IpsetOrigin};
use super::values::{Af, Families, IpList};
use crate::codes::Code;
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::keywords;

/// ipset's longest timeout, in seconds.
const MAX_TIMEOUT: u64 = 2_147_483;

/// A word of the command and its span.
type Arg = (String, Span);

impl Builder<'_> {
    /// `ipset SUBCOMMAND NAME ...`.
    pub(super) fn ipset_command(&mut self, span: Span, args: &[Arg], fams: Families) {
        let (Some((sub, sub_span)), Some((name, _))) = (args.first(), args.get(1)) else {
            self.ipset_error(span, "`ipset` needs a subcommand and a set name".into());
            return;
        };
        let rest = &args[2..];
        match sub.as_str() {
            "create" | "-N" | "--create" => self.ipset_create(span, name, rest, fams),
            "add" | "-A" | "--add" => self.ipset_add(span, name, rest),
            "addfile" | "--addfile" => self.ipset_addfile(span, name, rest),
            _ => self.diags.push(
                Diagnostic::new(
                    Code::Untranslatable,
                    *sub_span,
                    format!("`ipset {sub}` runs the ipset program when FireHOL starts; fhc does not run programs"),
                )
                .with_label("fhc cannot compile this to nftables")
                .with_help("fhc keeps ipsets as sets of its own table: define them with `ipset create`/`add`/`addfile`, and change a live set with `fhc set add|del|flush|load`"),
            ),
        }
    }

    fn ipset_error(&mut self, span: Span, msg: String) {
        self.diags.push(
            Diagnostic::new(Code::IpsetDefinition, span, msg)
                .with_label("FireHOL or ipset refuses this"),
        );
    }

    /// `ipset create NAME TYPE [options]`.
    fn ipset_create(&mut self, span: Span, name: &str, rest: &[Arg], fams: Families) {
        let Some(af) = fams.single() else {
            self.ipset_error(
                span,
                format!(
                    "`ipset create {name}` runs for both IPv4 and IPv6, and an ipset has one family"
                ),
            );
            if let Some(d) = self.diags.last_mut() {
                *d = d
                    .clone()
                    .with_help("write `ipset4 create` or `ipset6 create`");
            }
            return;
        };
        if self.model.ipsets.iter().any(|s| s.name == name) {
            self.ipset_error(span, format!("ipset `{name}` already exists"));
            return;
        }
        let Some((ty, ty_span)) = rest.first() else {
            self.ipset_error(
                span,
                format!("`ipset create {name}` needs a type, e.g. hash:net"),
            );
            return;
        };
        let kind = match IpsetKind::parse(ty) {
            Ok(Some(k)) => k,
            Ok(None) => {
                self.ipset_error(*ty_span, format!("`{ty}` is not an ipset type"));
                return;
            }
            Err(why) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::Untranslatable,
                        *ty_span,
                        format!("fhc cannot translate an ipset of type `{ty}`"),
                    )
                    .with_label("fhc cannot compile this to nftables")
                    .with_note(why),
                );
                return;
            }
        };
        let mut set = Ipset::new(name, af, kind, IpsetOrigin::Created(span));
        let mut it = rest[1..].iter().peekable();
        while let Some((opt, ospan)) = it.next() {
            let value = it.peek().map(|(v, _)| v.as_str());
            match self.create_option(&mut set, opt, *ospan, value) {
                Some(true) => {
                    it.next();
                }
                Some(false) => {}
                None => return,
            }
        }
        let kind = set.kind;
        if let IpsetKind::BitmapPort { hi: 0, .. } = kind {
            self.ipset_error(span, "a bitmap:port set needs `range LO-HI`".into());
            return;
        }
        self.model.ipsets.push(set);
    }

    /// One option of `ipset create` into `set`: `Some(true)` when it took `value`, `None` after
    /// an error.
    fn create_option(
        &mut self,
        set: &mut Ipset,
        opt: &str,
        ospan: Span,
        value: Option<&str>,
    ) -> Option<bool> {
        let needs = |b: &mut Self, what: &str| {
            if value.is_none() {
                b.ipset_error(ospan, format!("`{opt}` needs {what}"));
            }
            value
        };
        match opt {
            "prevent_reset_on_restart" => set.keep = true,
            "counters" => set.counters = true,
            // Capacity and hash sizing: an nft set grows as needed.
            "maxelem" | "hashsize" => {
                let v = needs(self, "a number")?;
                if v.parse::<u64>().is_err() {
                    self.ipset_error(ospan, format!("`{opt} {v}`: not a number"));
                    return None;
                }
                return Some(true);
            }
            "timeout" => {
                let v = needs(self, "seconds")?;
                // `timeout 0`: elements may have timeouts, and have none by default.
                match v.parse::<u64>() {
                    Ok(n) if n <= MAX_TIMEOUT => set.timeout = Some(n),
                    _ => {
                        self.ipset_error(
                            ospan,
                            format!("`timeout {v}`: not a number of seconds up to {MAX_TIMEOUT}"),
                        );
                        return None;
                    }
                }
                return Some(true);
            }
            "family" => {
                let v = needs(self, "inet or inet6")?;
                let want = match v {
                    "inet" => Af::V4,
                    "inet6" => Af::V6,
                    _ => {
                        self.ipset_error(ospan, format!("`family {v}`: inet or inet6"));
                        return None;
                    }
                };
                if want != set.af {
                    self.ipset_error(
                        ospan,
                        format!(
                            "`family {v}` in an ipset of the other family (ipset4/ipset6 decide it)"
                        ),
                    );
                    return None;
                }
                return Some(true);
            }
            "range" => {
                let v = needs(self, "LO-HI")?;
                let IpsetKind::BitmapPort { .. } = set.kind else {
                    self.ipset_error(
                        ospan,
                        format!("`range` belongs to bitmap sets, not {}", set.kind.name()),
                    );
                    return None;
                };
                match port_range(v, v) {
                    Ok((lo, hi)) => set.kind = IpsetKind::BitmapPort { lo, hi },
                    Err(e) => {
                        self.ipset_error(ospan, e);
                        return None;
                    }
                }
                return Some(true);
            }
            "netmask" | "skbinfo" | "forceadd" | "comment" | "markmask" | "bucketsize"
            | "initval" => {
                self.diags.push(
                    Diagnostic::new(
                        Code::Untranslatable,
                        ospan,
                        format!("fhc does not translate the ipset option `{opt}`"),
                    )
                    .with_label("fhc cannot compile this to nftables")
                    .with_help("remove the option if the set works without it"),
                );
                return None;
            }
            _ => {
                self.ipset_error(ospan, format!("`{opt}` is not an option of ipset create"));
                return None;
            }
        }
        Some(false)
    }

    /// The set an `add`/`addfile` fills: created earlier (FireHOL refuses otherwise).
    fn created_set(&mut self, span: Span, name: &str) -> Option<usize> {
        let i = self
            .model
            .ipsets
            .iter()
            .position(|s| s.name == name && matches!(s.origin, IpsetOrigin::Created(_)));
        if i.is_none() {
            self.ipset_error(
                span,
                format!("ipset `{name}` must be created (`ipset create {name} TYPE`) before it is filled"),
            );
        }
        i
    }

    /// `ipset add NAME ENTRY [timeout N]`. FireHOL splits ENTRY at blanks (and, for address
    /// sets, commas) and expands the predefined lists (`$RESERVED_IPS` ...).
    fn ipset_add(&mut self, span: Span, name: &str, rest: &[Arg]) {
        let Some(i) = self.created_set(span, name) else {
            return;
        };
        let Some((entry, espan)) = rest.first() else {
            self.ipset_error(span, format!("`ipset add {name}` needs an element"));
            return;
        };
        let Some(timeout) = self.element_options(i, &rest[1..]) else {
            return;
        };
        let (kind, af) = (self.model.ipsets[i].kind, self.model.ipsets[i].af);
        let one_dim = kind.dims().len() == 1;
        let mut values: Vec<String> = Vec::new();
        for w in entry.split([' ', '\t', '\n']).filter(|w| !w.is_empty()) {
            for v in w
                .split(',')
                .filter(|_| one_dim)
                .chain((!one_dim).then_some(w))
            {
                match IpList::from_marker(v) {
                    Some(list) => values.extend(list.networks(af).iter().map(|n| n.to_string())),
                    None => values.push(v.to_string()),
                }
            }
        }
        if !one_dim && entry.contains(',') {
            self.diags.push(
                Diagnostic::new(
                    Code::BrokenInFirehol,
                    *espan,
                    format!("FireHOL 3.1.7 cuts `{entry}` at its commas and cannot add it to a {} set", kind.name()),
                )
                .with_label("fhc adds it as one element")
                .with_note("FireHOL splits every `ipset add` entry at commas (for lists of addresses), so its ipset restore fails"),
            );
        }
        for v in values {
            match parse_element(kind, af, &v) {
                Ok(key) => self.model.ipsets[i]
                    .elements
                    .push(IpsetElem { key, timeout }),
                Err(msg) => self.ipset_error(*espan, msg),
            }
        }
    }

    /// `timeout N` after an element (`Some(None)` without one; `None` after an error).
    fn element_options(&mut self, set: usize, opts: &[Arg]) -> Option<Option<u64>> {
        match opts {
            [] => Some(None),
            [(t, tspan), _] if t == "timeout" && self.model.ipsets[set].timeout.is_none() => {
                let name = self.model.ipsets[set].name.clone();
                self.ipset_error(
                    *tspan,
                    format!("ipset `{name}` was created without `timeout`: its elements take none"),
                );
                None
            }
            [(t, tspan), (v, _)] if t == "timeout" => {
                match v.parse::<u64>() {
                    Ok(n) if n > MAX_TIMEOUT => {
                        self.ipset_error(
                            *tspan,
                            format!("`timeout {v}`: ipset takes up to {MAX_TIMEOUT} seconds"),
                        );
                        None
                    }
                    Ok(n) if n > 0 => Some(Some(n)),
                    _ => {
                        self.diags.push(
                        Diagnostic::new(
                            Code::Untranslatable,
                            *tspan,
                            format!("`timeout {v}`: fhc translates element timeouts of 1 second or more"),
                        )
                        .with_label("fhc cannot compile this to nftables"),
                    );
                        None
                    }
                }
            }
            [(o, ospan), ..] => {
                self.diags.push(
                    Diagnostic::new(
                        Code::Untranslatable,
                        *ospan,
                        format!("fhc does not translate the element option `{o}`"),
                    )
                    .with_label("fhc cannot compile this to nftables"),
                );
                None
            }
        }
    }

    /// `ipset addfile NAME [ip|net] FILE [timeout N]`: the file's text comes from the caller
    /// (`Inputs::files`, by the path as written); unread, the set keeps what it has.
    fn ipset_addfile(&mut self, span: Span, name: &str, rest: &[Arg]) {
        let Some(i) = self.created_set(span, name) else {
            return;
        };
        let mut filter = FileFilter::All;
        let mut words = rest.iter().peekable();
        while let Some((w, _)) = words.peek() {
            match w.as_str() {
                w if keywords::ADDFILE_IPS.contains(&w) => filter = FileFilter::Ips,
                w if keywords::ADDFILE_NETS.contains(&w) => filter = FileFilter::Nets,
                "ipv4" | "ipv6" => {}
                _ => break,
            }
            words.next();
        }
        let Some((path, pspan)) = words.next() else {
            self.ipset_error(span, format!("`ipset addfile {name}` needs a file"));
            return;
        };
        let opts: Vec<Arg> = words.cloned().collect();
        let Some(timeout) = self.element_options(i, &opts) else {
            return;
        };
        if !self.model.reads.files.iter().any(|(p, _)| p == path) {
            self.model.reads.files.push((path.clone(), *pspan));
        }
        let text = match self.inputs.read_set_file(path) {
            None => return,
            Some(Err(why)) => {
                self.diags.push(
                    Diagnostic::new(Code::IpsetFile, *pspan, format!("cannot read `{path}`: {why}"))
                        .with_label("ipset addfile reads this file when compiling")
                        .with_help("a relative path is looked up in the current directory, beside the configuration, then in /etc/firehol"),
                );
                return;
            }
            Some(Ok(text)) => text,
        };
        let text = text.as_str();
        let (kind, af) = (self.model.ipsets[i].kind, self.model.ipsets[i].af);
        let mut bad = Vec::new();
        for (line, entry) in file_entries(text, af, filter) {
            match parse_element(kind, af, &entry) {
                Ok(key) => self.model.ipsets[i]
                    .elements
                    .push(IpsetElem { key, timeout }),
                Err(msg) => bad.push(format!("line {line}: {msg}")),
            }
        }
        if let Some(first) = bad.first() {
            let mut d = Diagnostic::new(
                Code::IpsetFile,
                *pspan,
                format!(
                    "`{path}` has {} entr{} ipset would refuse; {first}",
                    bad.len(),
                    if bad.len() == 1 { "y" } else { "ies" }
                ),
            )
            .with_label("in this file");
            for more in bad.iter().skip(1).take(4) {
                d = d.with_note(more.clone());
            }
            self.diags.push(d);
        }
    }
}

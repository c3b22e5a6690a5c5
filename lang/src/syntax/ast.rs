//! The typed syntax tree. It is flat (a list of statements in source order) because FireHOL's
//! sections have no delimiters: which statements belong to which `interface`/`router` is a
//! semantic fact the model computes, and the formatter needs the source order anyway.
//!
//! Every node carries its byte span; optional fields are `None` when the source omits them, so the
//! tree exists even for broken input and the checks can say exactly what is missing.

pub use super::keywords::{Arity, Cmd, Family, ParamKind};
pub use super::words::{Op, Word};
use crate::span::Span;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceFile {
    pub stmts: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    pub span: Span,
    /// Reserved words in front of the command (`then`, `else`, `do`, `fi`, `if`, `while`, `{` ...):
    /// the block structure, read by [`super::blocks`].
    pub lead: Vec<Word>,
    pub kind: StmtKind,
    /// Redirections (`> file`) attached to the statement.
    pub redirects: Vec<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StmtKind {
    /// Shared: the shell stage hands most commands to the model as they were read, and an
    /// `Arc` makes that a reference count instead of a copy of every word (a quarter of the
    /// evaluation's time, copying and then freeing them).
    Command(std::sync::Arc<Command>),
    /// One or more `NAME=value` words on a line.
    Assignment(Vec<Assignment>),
    Unknown(UnknownCommand),
    Unset(Vec<Word>),
    Shell(ShellStmt),
    /// Only shell keywords (`then`, `fi`, `done`, `}` ...): structure without meaning for fhc.
    Empty,
    /// The parser could not make sense of the statement; a diagnostic says why.
    Error,
}

/// Shell statements: the bash around the FireHOL commands. The statement list stays flat (see
/// the module doc); [`super::blocks`] pairs the headers with their bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShellStmt {
    /// A header fhc does not evaluate (`select`, `for ((...))`, a malformed one).
    Compound { keyword: Word, rest: Vec<Word> },
    /// `for NAME [in WORDS]` (`words` is `None` without `in`: the loop runs over `"$@"`).
    For {
        keyword: Word,
        var: Option<Word>,
        words: Option<Vec<Word>>,
    },
    /// `case WORD in` (its patterns and their commands are the statements that follow).
    Case {
        keyword: Word,
        subject: Option<Word>,
    },
    /// `name()` or `function name [()]`; the body (`{ ... }`) is the statements that follow.
    FunctionDef { name: Word },
    /// `a && b`, `a || b`, `a | b`, `a &`: the operators and the statements they join.
    List {
        ops: Vec<(Op, Span)>,
        items: Vec<Stmt>,
    },
    /// `( ... )`
    Subshell,
    /// `(( expression ))`: the span of the expression between the parentheses.
    Arith { expr: Span },
    /// A `case` pattern list (`a|b)`), its command on the statements that follow.
    CasePattern { patterns: Vec<Word> },
    /// `source FILE` or `. FILE`
    Source { keyword: Word, args: Vec<Word> },
    /// A builtin or utility (`test`, `echo`, ...). `redirects` are those between its arguments
    /// (`echo >&2 "..."`); the statement's trailing ones are in [`Stmt::redirects`].
    Builtin {
        name: Word,
        args: Vec<Word>,
        redirects: Vec<Span>,
    },
}

/// `NAME=value` (also `export NAME=value`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub name_span: Span,
    /// The value as a word (spans point into the original assignment word); `None` for `NAME=`.
    pub value: Option<Word>,
    pub export: bool,
    /// `NAME=( ... )`: a bash array (the span of the parenthesised list).
    pub array: Option<Span>,
    /// `NAME+=value`: appends.
    pub append: bool,
    /// `NAME[INDEX]=value`: one element of an array (the index as written).
    pub index: Option<String>,
}

/// The family a command runs in, and where that was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FamilySel {
    pub family: Family,
    pub span: Span,
    /// True for `ipv4 cmd`, false for `cmd4`.
    pub prefix: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub span: Span,
    pub family: Option<FamilySel>,
    /// The command word as written (`synproxy4`, `server`, ...).
    pub name: Word,
    pub cmd: Cmd,
    pub kind: CommandKind,
    /// Words after the last argument the command takes.
    pub extra: Vec<Word>,
}

/// A parameter keyword, its optional negation and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub span: Span,
    pub keyword: Word,
    /// `None` for a word that is not a parameter keyword.
    pub kind: Option<ParamKind>,
    /// The span of `not` / `!` when negated.
    pub not: Option<Span>,
    pub values: Vec<Word>,
    /// How many values the keyword needs but did not get.
    pub missing: usize,
}

impl Param {
    /// The first value, if any.
    pub fn value(&self) -> Option<&Word> {
        self.values.first()
    }
}

/// A verdict of `server`/`client`/`route`/`policy`, with its `with ...` clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleAction {
    pub span: Span,
    pub verb: Word,
    pub with: Option<WithClause>,
}

/// `with tcp-reset`, `with limit 10/sec 100 overflow drop`, `with knock NAME` ...
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithClause {
    pub span: Span,
    pub with: Word,
    pub args: Vec<Word>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Server,
    Client,
    Route,
}

/// `server custom NAME "PROTO/PORTS" "CLIENT PORTS" ...`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomService {
    pub name: Option<Word>,
    pub server_ports: Option<Word>,
    pub client_ports: Option<Word>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceCmd {
    pub role: Role,
    pub services: Option<Word>,
    pub custom: Option<CustomService>,
    /// The NAME of `server anystateless NAME ...`.
    pub anystateless_name: Option<Word>,
    pub action: Option<RuleAction>,
    pub params: Vec<Param>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynproxyVerb {
    Accept,
    Drop,
    Reject,
    Dnat,
    Redirect,
    Action,
}

impl SynproxyVerb {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "accept" => Self::Accept,
            "drop" => Self::Drop,
            "reject" => Self::Reject,
            "dnat" => Self::Dnat,
            "redirect" => Self::Redirect,
            "action" => Self::Action,
            _ => return None,
        })
    }
}

/// What a synproxy does with the connection once the handshake is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynproxyAction {
    pub span: Span,
    pub verb_word: Word,
    pub verb: SynproxyVerb,
    /// `to` after dnat/redirect.
    pub to: Option<Span>,
    /// The dnat targets, redirect port or action name.
    pub target: Option<Word>,
    /// `reject with MSG`
    pub with: Option<Word>,
    pub nat_options: Vec<NatOption>,
    /// Rule parameters applied to the final SYNPROXY->server rule (`loglimit`, `connlimit` ...).
    pub params: Vec<Param>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynproxyCmd {
    pub types: Option<Word>,
    pub params: Vec<Param>,
    pub action: Option<SynproxyAction>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatOptionKind {
    Random,
    Persistent,
    Id,
    At,
    Name,
    ToPorts,
}

/// An option of the NAT helpers: `random`, `persistent`, `id ID`, `at CHAIN`, `name N`, `to-ports P`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatOption {
    pub span: Span,
    pub kind: NatOptionKind,
    pub value: Option<Word>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatCmd {
    /// For `nat`: `to-destination`, `to-source` or `redirect-to`.
    pub mode: Option<Word>,
    pub to: Option<Span>,
    pub targets: Option<Word>,
    pub options: Vec<NatOption>,
    pub params: Vec<Param>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionStep {
    pub span: Span,
    /// `chain`, `action`, `rule`, `iptrap`, `ipuntrap`, `sockets_suspects_trap` (or something else).
    pub kind: Word,
    /// Positional arguments before the rule parameters.
    pub args: Vec<Word>,
    pub params: Vec<Param>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionDef {
    pub name: Option<Word>,
    pub table: Option<Word>,
    pub steps: Vec<ActionStep>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandKind {
    Version {
        number: Option<Word>,
    },
    Interface {
        ifaces: Option<Word>,
        name: Option<Word>,
        params: Vec<Param>,
    },
    Router {
        name: Option<Word>,
        params: Vec<Param>,
    },
    /// `group with|start|begin [params]`
    GroupStart {
        verb: Word,
        params: Vec<Param>,
    },
    /// `group end|stop|close`
    GroupEnd {
        verb: Word,
    },
    /// `group` without a verb.
    GroupBare,
    Policy {
        action: Option<RuleAction>,
    },
    Protection {
        reverse: Option<Span>,
        args: Vec<Word>,
        params: Vec<Param>,
    },
    Service(Box<ServiceCmd>),
    Synproxy(Box<SynproxyCmd>),
    Nat(Box<NatCmd>),
    Masquerade {
        reverse: Option<Span>,
        ifaces: Option<Word>,
        options: Vec<NatOption>,
        params: Vec<Param>,
    },
    TransparentProxy {
        ports: Option<Word>,
        redirect_port: Option<Word>,
        user: Option<Word>,
        params: Vec<Param>,
    },
    TransparentSquid {
        redirect_port: Option<Word>,
        user: Option<Word>,
        params: Vec<Param>,
    },
    Tproxy {
        ports: Option<Word>,
        port: Option<Word>,
        ip: Option<Word>,
        params: Vec<Param>,
    },
    Action(ActionDef),
    /// `mark`, `connmark`, `custommark`, `classify`, `tos`, `dscp`, `tosfix`: a value, an optional
    /// list of chains (`pre,in,out,pass,post`) and rule parameters.
    Mangle {
        args: Vec<Word>,
        chains: Option<Word>,
        params: Vec<Param>,
    },
    Tcpmss {
        mss: Option<Word>,
        ifaces: Option<Word>,
    },
    /// Commands whose arguments fhc keeps as words (blacklist, iptrap, ipset, mac, cthelper,
    /// docker_bridge, markdef, ...).
    Args {
        args: Vec<Word>,
        params: Vec<Param>,
    },
    /// `log "text" [params]` / `loglimit "text" [params]` helper form.
    LogHelper {
        text: Option<Word>,
        params: Vec<Param>,
    },
    Passthrough {
        args: Vec<Word>,
    },
}

/// A word in command position that is neither a FireHOL command nor shell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCommand {
    pub name: Word,
    pub args: Vec<Word>,
}

impl Stmt {
    pub fn command(&self) -> Option<&Command> {
        match &self.kind {
            StmtKind::Command(c) => Some(c),
            _ => None,
        }
    }
}

impl Command {
    /// All rule parameters of the command, wherever they sit in its syntax.
    pub fn params(&self) -> Vec<&Param> {
        match &self.kind {
            CommandKind::Interface { params, .. }
            | CommandKind::Router { params, .. }
            | CommandKind::GroupStart { params, .. }
            | CommandKind::Protection { params, .. }
            | CommandKind::Masquerade { params, .. }
            | CommandKind::TransparentProxy { params, .. }
            | CommandKind::TransparentSquid { params, .. }
            | CommandKind::Tproxy { params, .. }
            | CommandKind::Mangle { params, .. }
            | CommandKind::Args { params, .. }
            | CommandKind::LogHelper { params, .. } => params.iter().collect(),
            CommandKind::Service(s) => s.params.iter().collect(),
            CommandKind::Nat(n) => n.params.iter().collect(),
            CommandKind::Synproxy(s) => {
                let mut v: Vec<&Param> = s.params.iter().collect();
                if let Some(a) = &s.action {
                    v.extend(a.params.iter());
                }
                v
            }
            CommandKind::Action(a) => a.steps.iter().flat_map(|s| s.params.iter()).collect(),
            _ => Vec::new(),
        }
    }
}

impl Command {
    /// Every word of the command, in no particular order, for the shell evaluator to replace
    /// with its expansion when that cannot change how the command reads.
    pub fn words_mut(&mut self, f: &mut impl FnMut(&mut Word)) {
        fn opt(w: &mut Option<Word>, f: &mut impl FnMut(&mut Word)) {
            if let Some(w) = w {
                f(w);
            }
        }
        fn params(ps: &mut [Param], f: &mut impl FnMut(&mut Word)) {
            for p in ps {
                f(&mut p.keyword);
                p.values.iter_mut().for_each(&mut *f);
            }
        }
        fn action(a: &mut Option<RuleAction>, f: &mut impl FnMut(&mut Word)) {
            if let Some(a) = a {
                f(&mut a.verb);
                if let Some(w) = &mut a.with {
                    f(&mut w.with);
                    w.args.iter_mut().for_each(&mut *f);
                }
            }
        }
        fn nat_options(os: &mut [NatOption], f: &mut impl FnMut(&mut Word)) {
            for o in os {
                opt(&mut o.value, f);
            }
        }
        f(&mut self.name);
        self.extra.iter_mut().for_each(&mut *f);
        match &mut self.kind {
            CommandKind::Version { number } => opt(number, f),
            CommandKind::Interface {
                ifaces,
                name,
                params: ps,
            } => {
                opt(ifaces, f);
                opt(name, f);
                params(ps, f);
            }
            CommandKind::Router { name, params: ps } => {
                opt(name, f);
                params(ps, f);
            }
            CommandKind::GroupStart { verb, params: ps } => {
                f(verb);
                params(ps, f);
            }
            CommandKind::GroupEnd { verb } => f(verb),
            CommandKind::GroupBare => {}
            CommandKind::Policy { action: a } => action(a, f),
            CommandKind::Protection {
                args, params: ps, ..
            }
            | CommandKind::Args { args, params: ps } => {
                args.iter_mut().for_each(&mut *f);
                params(ps, f);
            }
            CommandKind::Service(s) => {
                opt(&mut s.services, f);
                if let Some(c) = &mut s.custom {
                    opt(&mut c.name, f);
                    opt(&mut c.server_ports, f);
                    opt(&mut c.client_ports, f);
                }
                opt(&mut s.anystateless_name, f);
                action(&mut s.action, f);
                params(&mut s.params, f);
            }
            CommandKind::Synproxy(s) => {
                opt(&mut s.types, f);
                params(&mut s.params, f);
                if let Some(a) = &mut s.action {
                    f(&mut a.verb_word);
                    opt(&mut a.target, f);
                    opt(&mut a.with, f);
                    nat_options(&mut a.nat_options, f);
                    params(&mut a.params, f);
                }
            }
            other => other.helper_words_mut(f, &mut params, &mut nat_options),
        }
    }
}

impl CommandKind {
    /// The words of the helper commands (see [`Command::words_mut`]).
    fn helper_words_mut<F: FnMut(&mut Word)>(
        &mut self,
        f: &mut F,
        params: &mut impl FnMut(&mut [Param], &mut F),
        nat_options: &mut impl FnMut(&mut [NatOption], &mut F),
    ) {
        fn opt(w: &mut Option<Word>, f: &mut impl FnMut(&mut Word)) {
            if let Some(w) = w {
                f(w);
            }
        }
        match self {
            CommandKind::Nat(n) => {
                opt(&mut n.mode, f);
                opt(&mut n.targets, f);
                nat_options(&mut n.options, f);
                params(&mut n.params, f);
            }
            CommandKind::Masquerade {
                ifaces,
                options,
                params: ps,
                ..
            } => {
                opt(ifaces, f);
                nat_options(options, f);
                params(ps, f);
            }
            CommandKind::TransparentProxy {
                ports,
                redirect_port,
                user,
                params: ps,
            } => {
                opt(ports, f);
                opt(redirect_port, f);
                opt(user, f);
                params(ps, f);
            }
            CommandKind::TransparentSquid {
                redirect_port,
                user,
                params: ps,
            } => {
                opt(redirect_port, f);
                opt(user, f);
                params(ps, f);
            }
            CommandKind::Tproxy {
                ports,
                port,
                ip,
                params: ps,
            } => {
                opt(ports, f);
                opt(port, f);
                opt(ip, f);
                params(ps, f);
            }
            CommandKind::Action(a) => {
                opt(&mut a.name, f);
                opt(&mut a.table, f);
                for s in &mut a.steps {
                    f(&mut s.kind);
                    s.args.iter_mut().for_each(&mut *f);
                    params(&mut s.params, f);
                }
            }
            CommandKind::Mangle {
                args,
                chains,
                params: ps,
            } => {
                args.iter_mut().for_each(&mut *f);
                opt(chains, f);
                params(ps, f);
            }
            CommandKind::Tcpmss { mss, ifaces } => {
                opt(mss, f);
                opt(ifaces, f);
            }
            CommandKind::LogHelper { text, params: ps } => {
                opt(text, f);
                params(ps, f);
            }
            CommandKind::Passthrough { args } => args.iter_mut().for_each(&mut *f),
            _ => {}
        }
    }
}

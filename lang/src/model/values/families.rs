//! The one family vocabulary of the model: one family ([`Af`]) and a set of them ([`Families`],
//! what a statement applies to). The syntax's `ipv4`/`ipv6`/`both` prefix converts to a set once
//! (`From<Family>`).

use crate::syntax::keywords::Family;

/// Which family an address belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Af {
    V4,
    V6,
}

impl Af {
    /// The family as messages name it.
    pub fn name(self) -> &'static str {
        match self {
            Af::V4 => "IPv4",
            Af::V6 => "IPv6",
        }
    }
}

/// The address families a statement applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Families {
    pub v4: bool,
    pub v6: bool,
}

impl Families {
    pub const BOTH: Families = Families { v4: true, v6: true };
    pub const V4: Families = Families {
        v4: true,
        v6: false,
    };
    pub const V6: Families = Families {
        v4: false,
        v6: true,
    };

    pub fn single(self) -> Option<Af> {
        match (self.v4, self.v6) {
            (true, false) => Some(Af::V4),
            (false, true) => Some(Af::V6),
            _ => None,
        }
    }

    pub fn has(self, af: Af) -> bool {
        match af {
            Af::V4 => self.v4,
            Af::V6 => self.v6,
        }
    }

    pub fn intersect(self, o: Families) -> Families {
        Families {
            v4: self.v4 && o.v4,
            v6: self.v6 && o.v6,
        }
    }

    pub fn iter(self) -> impl Iterator<Item = Af> {
        [(self.v4, Af::V4), (self.v6, Af::V6)]
            .into_iter()
            .filter(|x| x.0)
            .map(|x| x.1)
    }
}

impl From<Family> for Families {
    fn from(f: Family) -> Families {
        match f {
            Family::Ipv4 => Families::V4,
            Family::Ipv6 => Families::V6,
            Family::Both => Families::BOTH,
        }
    }
}

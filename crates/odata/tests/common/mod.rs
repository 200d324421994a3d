//! Shared test helpers: AST builders and capability tables modelled on the
//! Graph threat-intelligence resources.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use tigr_odata::{
    CapabilityTable, CmpOp, Expr, Literal, PropType, Property, QueryOption, SearchSupport,
};

/// `"a/b"` → `["a", "b"]`.
pub fn path(p: &str) -> Vec<String> {
    p.split('/').map(str::to_owned).collect()
}

pub fn cmp(p: &str, op: CmpOp, value: Literal) -> Expr {
    Expr::Compare {
        path: path(p),
        op,
        value,
    }
}

pub fn eq(p: &str, value: Literal) -> Expr {
    cmp(p, CmpOp::Eq, value)
}

pub fn is_in(p: &str, values: Vec<Literal>) -> Expr {
    Expr::In {
        path: path(p),
        values,
    }
}

pub fn and(l: Expr, r: Expr) -> Expr {
    Expr::And(Box::new(l), Box::new(r))
}

pub fn or(l: Expr, r: Expr) -> Expr {
    Expr::Or(Box::new(l), Box::new(r))
}

pub fn not(e: Expr) -> Expr {
    Expr::Not(Box::new(e))
}

pub fn s(text: &str) -> Literal {
    Literal::String(text.to_owned())
}

pub fn int(n: i64) -> Literal {
    Literal::Int(n)
}

const LIST: &[QueryOption] = &[
    QueryOption::Count,
    QueryOption::Filter,
    QueryOption::OrderBy,
    QueryOption::Select,
    QueryOption::Skip,
    QueryOption::Top,
];

/// `/hosts/{id}/childHostPairs` and friends.
pub static HOST_PAIR: CapabilityTable = CapabilityTable {
    properties: &[
        Property {
            path: "id",
            ty: PropType::String,
            filterable: true,
            sortable: false,
        },
        Property {
            path: "linkKind",
            ty: PropType::String,
            filterable: true,
            sortable: false,
        },
        Property {
            path: "firstSeenDateTime",
            ty: PropType::DateTime,
            filterable: true,
            sortable: true,
        },
        Property {
            path: "lastSeenDateTime",
            ty: PropType::DateTime,
            filterable: true,
            sortable: true,
        },
        Property::plain("childHost", PropType::Navigation),
        Property::plain("parentHost", PropType::Navigation),
        Property {
            path: "childHost/id",
            ty: PropType::String,
            filterable: true,
            sortable: false,
        },
        Property {
            path: "parentHost/id",
            ty: PropType::String,
            filterable: true,
            sortable: false,
        },
    ],
    expandable: &[],
    search: SearchSupport::None,
    options: LIST,
};

/// `/hosts/{id}/ports`: `$expand=mostRecentSslCertificate`, no filter.
pub static HOST_PORT: CapabilityTable = CapabilityTable {
    properties: &[
        Property::plain("id", PropType::String),
        Property::plain("port", PropType::Int),
        Property::plain("host", PropType::Navigation),
        Property::plain("mostRecentSslCertificate", PropType::Navigation),
        Property::plain("services", PropType::Collection),
    ],
    expandable: &["mostRecentSslCertificate"],
    search: SearchSupport::None,
    options: &[
        QueryOption::Count,
        QueryOption::Select,
        QueryOption::Skip,
        QueryOption::Top,
        QueryOption::Expand,
    ],
};

/// `/whoisRecords`: one required field search.
pub static WHOIS: CapabilityTable = CapabilityTable {
    properties: &[
        Property::plain("id", PropType::String),
        Property::plain("admin", PropType::Complex),
        Property::plain("admin/address", PropType::Complex),
        Property::plain("admin/address/state", PropType::String),
        Property::plain("admin/email", PropType::String),
        Property::plain("nameservers", PropType::Collection),
        Property::plain("nameservers/host/id", PropType::String),
        Property::plain("rawWhoisText", PropType::String),
        Property {
            path: "expirationDateTime",
            ty: PropType::DateTime,
            filterable: false,
            sortable: true,
        },
        Property {
            path: "registrationDateTime",
            ty: PropType::DateTime,
            filterable: false,
            sortable: true,
        },
        Property::plain("host", PropType::Navigation),
        Property {
            path: "host/id",
            ty: PropType::String,
            filterable: false,
            sortable: true,
        },
    ],
    expandable: &[],
    search: SearchSupport::FieldRequired {
        fields: &[
            "abuse",
            "admin",
            "billing",
            "nameservers/host/id",
            "noc",
            "registrant",
            "registrar",
            "technical",
            "zone",
        ],
    },
    options: &[
        QueryOption::Count,
        QueryOption::OrderBy,
        QueryOption::Search,
        QueryOption::Select,
        QueryOption::Skip,
        QueryOption::Top,
    ],
};

/// `/articles`: single-term search.
pub static ARTICLES: CapabilityTable = CapabilityTable {
    properties: &[
        Property::plain("id", PropType::String),
        Property {
            path: "title",
            ty: PropType::String,
            filterable: false,
            sortable: true,
        },
        Property {
            path: "createdDateTime",
            ty: PropType::DateTime,
            filterable: false,
            sortable: true,
        },
    ],
    expandable: &[],
    search: SearchSupport::SingleTerm,
    options: &[
        QueryOption::Count,
        QueryOption::OrderBy,
        QueryOption::Search,
        QueryOption::Select,
        QueryOption::Skip,
        QueryOption::Top,
    ],
};

/// `/intelProfiles`: free-text search, `kind` (an enum) filterable.
pub static INTEL_PROFILES: CapabilityTable = CapabilityTable {
    properties: &[
        Property::plain("id", PropType::String),
        Property {
            path: "kind",
            ty: PropType::Enum(&["actor", "tool", "unknownFutureValue"]),
            filterable: true,
            sortable: false,
        },
        Property {
            path: "title",
            ty: PropType::String,
            filterable: false,
            sortable: true,
        },
        Property::plain("aliases", PropType::Collection),
    ],
    expandable: &[],
    search: SearchSupport::Terms,
    options: &[
        QueryOption::Count,
        QueryOption::Filter,
        QueryOption::OrderBy,
        QueryOption::Search,
        QueryOption::Select,
        QueryOption::Skip,
        QueryOption::Top,
    ],
};

/// A made-up resource with one filterable property of every scalar type.
pub static TYPED: CapabilityTable = CapabilityTable {
    properties: &[
        Property {
            path: "name",
            ty: PropType::String,
            filterable: true,
            sortable: true,
        },
        Property {
            path: "count",
            ty: PropType::Int,
            filterable: true,
            sortable: true,
        },
        Property {
            path: "score",
            ty: PropType::Double,
            filterable: true,
            sortable: true,
        },
        Property {
            path: "active",
            ty: PropType::Bool,
            filterable: true,
            sortable: true,
        },
        Property {
            path: "seen",
            ty: PropType::DateTime,
            filterable: true,
            sortable: true,
        },
        Property {
            path: "kind",
            ty: PropType::Enum(&["a", "b"]),
            filterable: true,
            sortable: true,
        },
        Property::plain("hidden", PropType::String),
        Property::plain("detail", PropType::Complex),
        Property {
            path: "detail/code",
            ty: PropType::Int,
            filterable: true,
            sortable: true,
        },
    ],
    expandable: &[],
    search: SearchSupport::Terms,
    options: &[
        QueryOption::Count,
        QueryOption::Filter,
        QueryOption::OrderBy,
        QueryOption::Search,
        QueryOption::Select,
        QueryOption::Skip,
        QueryOption::Top,
        QueryOption::Expand,
    ],
};

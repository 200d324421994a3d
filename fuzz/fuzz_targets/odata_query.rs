//! Fuzz target: any query string goes through `tigr_odata::parse_query` and,
//! when it parses, through validation against a few capability tables; a
//! parsed `$filter` must print to text that parses back to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tigr_odata::{
    CapabilityTable, PropType, Property, QueryOption, SearchSupport, parse_filter, parse_query,
};

const ALL: &[QueryOption] = &QueryOption::ALL;

/// A resource with every kind of property, everything allowed.
static MIXED: CapabilityTable = CapabilityTable {
    properties: &[
        Property { path: "id", ty: PropType::String, filterable: true, sortable: true },
        Property { path: "a", ty: PropType::String, filterable: true, sortable: true },
        Property { path: "n", ty: PropType::Int, filterable: true, sortable: true },
        Property { path: "x", ty: PropType::Double, filterable: true, sortable: true },
        Property { path: "b", ty: PropType::Bool, filterable: true, sortable: false },
        Property { path: "d", ty: PropType::DateTime, filterable: true, sortable: true },
        Property { path: "k", ty: PropType::Enum(&["one", "two"]), filterable: true, sortable: true },
        Property { path: "c", ty: PropType::Complex, filterable: false, sortable: false },
        Property { path: "c/s", ty: PropType::String, filterable: true, sortable: true },
        Property { path: "host", ty: PropType::Navigation, filterable: false, sortable: false },
        Property { path: "host/id", ty: PropType::String, filterable: true, sortable: true },
        Property { path: "tags", ty: PropType::Collection, filterable: false, sortable: false },
    ],
    expandable: &["host"],
    search: SearchSupport::Terms,
    options: ALL,
};

/// A `/whoisRecords`-like resource: one required field search.
static FIELD_SEARCH: CapabilityTable = CapabilityTable {
    properties: &[
        Property::plain("admin", PropType::Complex),
        Property::plain("admin/address/state", PropType::String),
    ],
    expandable: &[],
    search: SearchSupport::FieldRequired { fields: &["admin", "nameservers/host/id"] },
    options: ALL,
};

/// An `/articles`-like resource: a single search term.
static SINGLE_TERM: CapabilityTable = CapabilityTable {
    properties: &[Property::plain("title", PropType::String)],
    expandable: &[],
    search: SearchSupport::SingleTerm,
    options: &[QueryOption::Search, QueryOption::Top],
};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(query) = parse_query(Some(raw)) else {
        return;
    };
    if let Some(filter) = &query.filter {
        let printed = filter.to_string();
        assert_eq!(parse_filter(&printed).as_ref(), Ok(filter), "printed: {printed}");
    }
    for caps in [&MIXED, &FIELD_SEARCH, &SINGLE_TERM] {
        let mut q = query.clone();
        let _ = q.validate(caps);
        let _ = q.require_search(caps);
    }
});

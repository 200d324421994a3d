#!/usr/bin/env python3
"""Generate crates/model/src/csdl.rs from the Graph v1.0 CSDL subset.

Usage: python3 crates/model/gen/schema_from_csdl.py ../shared/graph-api/csdl-v1.0-threatintelligence.xml > crates/model/src/csdl.rs
The output is committed; `cargo test -p tigr-model` checks it against the CSDL again when ../shared is present.
"""
import sys
import xml.etree.ElementTree as ET

NS = "{http://docs.oasis-open.org/odata/ns/edm}"
# Properties the beta schema adds to a shared type (resources.md, end): (type, property, edm type).
BETA_ONLY = {"physicalAddress": [("postOfficeBox", "Edm.String"), ("type", "graph.physicalAddressType")]}
BETA_ENUMS = {"physicalAddressType": ["unknown", "home", "business", "other"]}


def type_ref(t):
    coll = t.startswith("Collection(")
    if coll:
        t = t[len("Collection("):-1]
    prim = {"Edm.String": "Ty::String", "Edm.Int32": "Ty::Int32", "Edm.Double": "Ty::Double",
            "Edm.Boolean": "Ty::Boolean", "Edm.DateTimeOffset": "Ty::DateTime"}
    if t in prim:
        ty = prim[t]
    else:
        ty = 'Ty::Named("%s")' % t.split(".")[-1]
    return ty, coll


def main(path):
    root = ET.parse(path).getroot()
    ents, cpx, enums = [], [], []
    for schema in root.iter(NS + "Schema"):
        for el in schema:
            tag = el.tag[len(NS):]
            name = el.get("Name")
            if tag == "EnumType":
                enums.append((name, [m.get("Name") for m in el.findall(NS + "Member")]))
                continue
            props, navs = [], []
            for p in el:
                ptag = p.tag[len(NS):]
                ty, coll = type_ref(p.get("Type"))
                nullable = p.get("Nullable") != "false"
                if ptag == "Property":
                    props.append('Prop { name: "%s", ty: %s, collection: %s, nullable: %s, beta_only: false }'
                                 % (p.get("Name"), ty, str(coll).lower(), str(nullable).lower()))
                else:
                    navs.append('Nav { name: "%s", target: "%s", collection: %s, contained: %s, nullable: %s }'
                                % (p.get("Name"), p.get("Type").replace("Collection(", "").rstrip(")").split(".")[-1],
                                   str(coll).lower(), str(p.get("ContainsTarget") == "true").lower(), str(nullable).lower()))
            for (bp, bt) in BETA_ONLY.get(name, []):
                ty, coll = type_ref(bt)
                props.append('Prop { name: "%s", ty: %s, collection: %s, nullable: true, beta_only: true }' % (bp, ty, str(coll).lower()))
            base = el.get("BaseType")
            base = 'Some("%s")' % base.split(".")[-1] if base and not base.endswith("graph.entity") else "None"
            rec = (name, base, el.get("Abstract") == "true", props, navs)
            (ents if tag == "EntityType" else cpx).append(rec)
    for n, m in BETA_ENUMS.items():
        enums.append((n, m))
    out = ["//! Graph v1.0 threat-intelligence types as data, generated from the CSDL by gen/schema_from_csdl.py: do not edit by hand.", "",
           "use crate::schema::{ComplexType, EntityType, EnumType, Nav, Prop, Ty};", ""]
    out.append("/// Every entity type of microsoft.graph.security, in CSDL order (own properties only; see `schema` for inherited ones).")
    out.append("pub(crate) static ENTITY_TYPES: &[EntityType] = &[")
    for (n, b, a, p, nv) in ents:
        out.append('    EntityType {\n        name: "%s",\n        base: %s,\n        is_abstract: %s,\n        props: &[%s],\n        navs: &[%s],\n    },'
                   % (n, b, str(a).lower(), "".join("\n            %s," % x for x in p) + ("\n        " if p else ""),
                      "".join("\n            %s," % x for x in nv) + ("\n        " if nv else "")))
    out.append("];\n")
    out.append("/// Every complex type (plus the shared microsoft.graph.physicalAddress).")
    out.append("pub(crate) static COMPLEX_TYPES: &[ComplexType] = &[")
    for (n, b, a, p, nv) in cpx:
        out.append('    ComplexType {\n        name: "%s",\n        props: &[%s],\n        navs: &[%s],\n    },'
                   % (n, "".join("\n            %s," % x for x in p) + ("\n        " if p else ""),
                      "".join("\n            %s," % x for x in nv) + ("\n        " if nv else "")))
    out.append("];\n")
    out.append("/// Every enum type, members in CSDL order.")
    out.append("pub(crate) static ENUM_TYPES: &[EnumType] = &[")
    for (n, m) in enums:
        out.append('    EnumType {\n        name: "%s",\n        members: &[%s],\n    },' % (n, ", ".join('"%s"' % x for x in m)))
    out.append("];")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])

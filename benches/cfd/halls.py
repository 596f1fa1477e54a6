#!/usr/bin/env python3
"""Writes the hall descriptions of the CFD verification (benches/cfd/halls/<case>.json).

The schema is the one `cfd_hall()` in tests/it/airflow.rs and foam.py read: room, racks
(plan box, height, intake and exhaust sides, airflow, heat), supply (flow, temperature, floor
tiles), returns (ceiling vents), doors (vertical planes at x = at_m over y0..y1 up to height_m),
and air (the density and heat capacity both models use).

Layout: two rows of ten 10 kW racks (0.6 m wide, 1.2 m deep, 2.0 m high) facing a 1.2 m cold
aisle, about 1.5 m clear to the walls, a 3 m ceiling; rack airflow for a 12 K rise; floor tiles
over the whole cold aisle; ceiling returns over the hot aisles behind the rows.
"""
import json
import os
import sys

RHO, CP = 1.19, 1006.0
HEAT_W, RISE_K = 10_000.0, 12.0
WIDTH, DEPTH, HEIGHT = 0.6, 1.2, 2.0
PER_ROW, AISLE, CLEAR = 10, 1.2, 1.5


def hall(name, supply_share, doors, description, per_row=PER_ROW):
    flow = HEAT_W / (RHO * CP * RISE_K)
    x0 = CLEAR
    x1 = x0 + per_row * WIDTH
    ya0 = CLEAR  # row A: y ya0..ya1, intake +y
    ya1 = ya0 + DEPTH
    yb0 = ya1 + AISLE  # row B: y yb0..yb1, intake -y
    yb1 = yb0 + DEPTH
    room = {"x_m": round(x1 + CLEAR, 6), "y_m": round(yb1 + CLEAR, 6), "z_m": 3.0}
    racks = []
    for row, (y0, y1, intake, exhaust) in (
        ("A", (ya0, ya1, "+y", "-y")),
        ("B", (yb0, yb1, "-y", "+y")),
    ):
        for k in range(per_row):
            racks.append({
                "id": f"{row}{k + 1:02d}",
                "x0_m": round(x0 + k * WIDTH, 6),
                "x1_m": round(x0 + (k + 1) * WIDTH, 6),
                "y0_m": round(y0, 6),
                "y1_m": round(y1, 6),
                "height_m": HEIGHT,
                "intake": intake,
                "exhaust": exhaust,
                "flow_m3_s": round(flow, 6),
                "heat_w": HEAT_W,
            })
    total = sum(r["flow_m3_s"] for r in racks)
    ret_w = 0.9  # return strip width, centred in the hot-aisle clearance
    returns = [
        {"x0_m": x0, "x1_m": x1, "y0_m": round(0.5 * (ya0 - ret_w), 6),
         "y1_m": round(0.5 * (ya0 + ret_w), 6)},
        {"x0_m": x0, "x1_m": x1, "y0_m": round(yb1 + 0.5 * (CLEAR - ret_w), 6),
         "y1_m": round(yb1 + 0.5 * (CLEAR + ret_w), 6)},
    ]
    return {
        "name": name,
        "description": description,
        "room": room,
        "air": {"rho_kg_m3": RHO, "cp_j_kgk": CP},
        "racks": racks,
        "supply": {
            "flow_m3_s": round(supply_share * total, 6),
            "share_of_rack_flow": supply_share,
            "temp_c": 18.0,
            "tiles": [{"x0_m": x0, "x1_m": x1, "y0_m": round(ya1, 6), "y1_m": round(yb0, 6)}],
        },
        "returns": returns,
        "doors": [
            {"at_m": x, "y0_m": round(ya1, 6), "y1_m": round(yb0, 6), "height_m": HEIGHT} for x in (x0, x1)
        ] if doors else [],
    }


CASES = [
    ("open-100", 1.0, False, "open hall, supply 100 % of the rack airflow"),
    ("open-080", 0.8, False, "open hall, supply 80 % of the rack airflow"),
    ("doors-100", 1.0, True,
     "cold-aisle end doors (rack height, no roof), supply 100 % of the rack airflow"),
    # held out: solved after the model's tile capture was calibrated, to test it
    ("open-120", 1.2, False, "open hall, supply 120 % of the rack airflow (held-out case)"),
    ("short-100", 1.0, False,
     "open hall of two rows of six racks, supply 100 % of the rack airflow (held-out case)", 6),
]

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "halls")
    os.makedirs(out, exist_ok=True)
    for name, share, doors, desc, *per_row in CASES:
        with open(os.path.join(out, f"{name}.json"), "w") as f:
            json.dump(hall(name, share, doors, desc, *per_row), f, indent=1)
            f.write("\n")
        print(f"{out}/{name}.json")

#!/usr/bin/env python3
"""Writes the national parcel sample: candidate points every 10 km over the non-capital
provinces, as a GeoJSON FeatureCollection that `dcplan parcels` takes.

    scripts/make-parcel-sample.py [--data sites] [--spacing-km 10] [--out sites-national/parcels-10km.geojson]

The grid is square in a spherical Lambert azimuthal equal-area projection centred at
36.0 N, 127.5 E (sphere of radius 6371.0088 km, the one dcplan's distances use); over South
Korea its scale error is under 0.2 %, so cells are 10 km x 10 km to that accuracy. A grid point
is kept when it falls inside a province outline of the KOSTAT 2012 boundaries
(`geo/provinces-kostat-2012-simple.geojson` in the data folder; Statistics Korea via
github.com/southkorea/southkorea-maps) other than the capital region (Seoul 11, Incheon 23,
Gyeonggi 31), and is dropped, with the count recorded, when:

- it lies on Jeju (39): the grid model has no bus there, so `dcplan parcels` would refuse it;
- it is farther than 30 km (dcplan's link reach) from every 154 kV bus of `grid/buses.csv`
  (Ulleungdo, a few outlying islands), for the same reason.

No elevation is written: no elevation model is shipped, so `dcplan parcels` puts each point
at the interpolating stations' weighted elevation and marks `elevation_m` assumed, with the
stations' elevation range. The output is deterministic (fixed grid, sorted features).
"""

import argparse
import csv
import json
import math
import os
import sys

CAPITAL_REGION = {"11": "Seoul", "23": "Incheon", "31": "Gyeonggi-do"}
OFF_NETWORK = {"39": "Jeju: the grid model has no bus on the island"}
CENTRE_LAT, CENTRE_LON = 36.0, 127.5
EARTH_RADIUS_KM = 6371.0088
LINK_REACH_KM = 30.0


def laea_inverse(x_km, y_km):
    """(x, y) km of the spherical Lambert azimuthal equal-area projection to (lon, lat) deg."""
    rho = math.hypot(x_km, y_km)
    phi1, lam0 = math.radians(CENTRE_LAT), math.radians(CENTRE_LON)
    if rho == 0.0:
        return CENTRE_LON, CENTRE_LAT
    c = 2.0 * math.asin(rho / (2.0 * EARTH_RADIUS_KM))
    lat = math.asin(math.cos(c) * math.sin(phi1) + y_km * math.sin(c) * math.cos(phi1) / rho)
    lon = lam0 + math.atan2(
        x_km * math.sin(c),
        rho * math.cos(phi1) * math.cos(c) - y_km * math.sin(phi1) * math.sin(c),
    )
    return math.degrees(lon), math.degrees(lat)


def laea_forward(lon, lat):
    phi, lam = math.radians(lat), math.radians(lon)
    phi1, lam0 = math.radians(CENTRE_LAT), math.radians(CENTRE_LON)
    k = math.sqrt(
        2.0
        / (1.0 + math.sin(phi1) * math.sin(phi) + math.cos(phi1) * math.cos(phi) * math.cos(lam - lam0))
    )
    x = EARTH_RADIUS_KM * k * math.cos(phi) * math.sin(lam - lam0)
    y = EARTH_RADIUS_KM * k * (
        math.cos(phi1) * math.sin(phi) - math.sin(phi1) * math.cos(phi) * math.cos(lam - lam0)
    )
    return x, y


def in_ring(lon, lat, ring):
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        (xi, yi), (xj, yj) = ring[i][:2], ring[j][:2]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def in_geometry(lon, lat, geometry):
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for rings in polygons:
        if in_ring(lon, lat, rings[0]) and not any(in_ring(lon, lat, h) for h in rings[1:]):
            return True
    return False


def distance_km(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="sites", help="dcplan's data folder (geo/, grid/)")
    ap.add_argument("--spacing-km", type=float, default=10.0)
    ap.add_argument("--out", default="sites-national/parcels-10km.geojson")
    args = ap.parse_args()

    with open(os.path.join(args.data, "geo/provinces-kostat-2012-simple.geojson"), encoding="utf-8") as f:
        provinces = json.load(f)["features"]
    with open(os.path.join(args.data, "grid/buses.csv"), encoding="utf-8") as f:
        buses = [(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f) if float(r["kv"]) == 154.0]

    # the grid's extent: the projected bounding box of every province, snapped to the spacing
    xs, ys = [], []
    for p in provinces:
        polygons = p["geometry"]["coordinates"]
        if p["geometry"]["type"] == "Polygon":
            polygons = [polygons]
        for rings in polygons:
            for lon, lat in (pt[:2] for pt in rings[0]):
                x, y = laea_forward(lon, lat)
                xs.append(x)
                ys.append(y)
    s = args.spacing_km
    i0, i1 = math.floor(min(xs) / s), math.ceil(max(xs) / s)
    j0, j1 = math.floor(min(ys) / s), math.ceil(max(ys) / s)

    kept, dropped = [], {}
    for j in range(j0, j1 + 1):
        for i in range(i0, i1 + 1):
            x, y = i * s, j * s
            # classified at the precision written, so that dcplan reads the same point
            lon, lat = (round(v, 5) for v in laea_inverse(x, y))
            home = next((p for p in provinces if in_geometry(lon, lat, p["geometry"])), None)
            if home is None:
                continue
            code = home["properties"]["code"]
            if code in CAPITAL_REGION:
                dropped["capital region (Seoul, Incheon, Gyeonggi)"] = dropped.get("capital region (Seoul, Incheon, Gyeonggi)", 0) + 1
                continue
            if code in OFF_NETWORK:
                reason = OFF_NETWORK[code]
                dropped[reason] = dropped.get(reason, 0) + 1
                continue
            if min(distance_km(lon, lat, bl, bt) for bl, bt in buses) > LINK_REACH_KM:
                reason = f"over {LINK_REACH_KM:.0f} km from every modelled 154 kV bus"
                dropped[reason] = dropped.get(reason, 0) + 1
                continue
            kept.append(
                {
                    "type": "Feature",
                    "properties": {
                        "id": f"kr{s:.0f}km-x{i - i0:03d}-y{j - j0:03d}",
                        "name": f"10 km grid point x{i - i0:03d} y{j - j0:03d} ({home['properties']['name_eng']})",
                        "province_code": code,
                        "x_km": round(x, 3),
                        "y_km": round(y, 3),
                    },
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                }
            )
    kept.sort(key=lambda f: f["properties"]["id"])
    doc = {
        "type": "FeatureCollection",
        "metadata": {
            "description": f"candidate points every {s:g} km over South Korea's non-capital provinces, for dcplan parcels",
            "generated_by": "scripts/make-parcel-sample.py",
            "grid": f"square {s:g} km grid in a spherical Lambert azimuthal equal-area projection centred at "
            f"{CENTRE_LAT} N, {CENTRE_LON} E (R = {EARTH_RADIUS_KM} km); x_km, y_km are each point's projected coordinates",
            "provinces": "Statistics Korea (KOSTAT) census boundaries 2012, simplified, via github.com/southkorea/southkorea-maps "
            "(kostat/2012/json), as shipped in sites/geo; a point is kept when it lies inside an outline",
            "excluded": dropped,
            "points": len(kept),
            "elevation": "not given (no elevation model is shipped): dcplan parcels puts each point at its interpolating "
            "stations' weighted elevation and marks elevation_m assumed",
        },
        "features": kept,
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        # one feature a line, so that a change of the grid reads as a diff of points
        features = doc.pop("features")
        head = json.dumps(doc, ensure_ascii=False, indent=1)[:-2]
        f.write(head + ',\n "features": [\n')
        f.write(",\n".join(json.dumps(x, ensure_ascii=False) for x in features))
        f.write("\n ]\n}\n")
    print(f"{args.out}: {len(kept)} points; excluded {dropped}", file=sys.stderr)


if __name__ == "__main__":
    main()

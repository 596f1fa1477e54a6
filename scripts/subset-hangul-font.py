#!/usr/bin/env python3
"""Makes assets/fonts/DcplanHangul-Regular.ttf (the Hangul font dcplan draws PNG text with)
and the same font as DcplanHangul-Regular.woff2 (what report.html embeds).

Input: NanumGothic.ttf (NAVER, SIL Open Font License 1.1) from Debian's fonts-nanum package,
which need not be installed:

    apt-get download fonts-nanum && dpkg-deb -x fonts-nanum_*.deb nanum
    pip install fonttools brotli
    scripts/subset-hangul-font.py nanum/usr/share/fonts/truetype/nanum/NanumGothic.ttf

Kept: printable ASCII and Latin-1, general punctuation, arrows, a few maths signs, CJK
punctuation and Hangul compatibility jamo, the 2,350 Hangul syllables of KS X 1001 (every
syllable EUC-KR encodes: lead bytes 0xB0-0xC8, trail bytes 0xA1-0xFE), and every character of
the shipped site names (sites/*.json name_ko) and province names (sites/geo). Hinting is
dropped (dcplan draws anti-aliased at fixed sizes). The subset is a Modified Version under the
OFL, so it carries none of the Reserved Font Names: every name record is replaced by
"Dcplan Hangul". See assets/fonts/README.md.
"""
import glob
import json
import os
import sys

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "assets", "fonts", "DcplanHangul-Regular.ttf")
FAMILY = "Dcplan Hangul"

RANGES = [
    (0x20, 0x7E),  # ASCII
    (0xA0, 0xFF),  # Latin-1
    (0x2010, 0x2027),  # dashes, quotes, bullet, ellipsis
    (0x2030, 0x203B),  # per mille, primes
    (0x2070, 0x208F),  # super- and subscripts
    (0x2190, 0x2195),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (those the font has)
    (0x25A0, 0x25CF),  # squares, triangles, circles for legends
    (0x3000, 0x303F),  # CJK punctuation
    (0x3131, 0x318E),  # Hangul compatibility jamo
]


def ks_x_1001_syllables():
    return {
        bytes([lead, trail]).decode("euc-kr")
        for lead in range(0xB0, 0xC9)
        for trail in range(0xA1, 0xFF)
    }


def shipped_names():
    chars = set()
    for path in glob.glob(os.path.join(ROOT, "sites", "*.json")):
        with open(path, encoding="utf-8") as f:
            chars |= set(json.load(f).get("name_ko", ""))
    for path in glob.glob(os.path.join(ROOT, "sites", "geo", "*.geojson")):
        with open(path, encoding="utf-8") as f:
            for feature in json.load(f)["features"]:
                chars |= set(feature["properties"].get("name", ""))
    return chars


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    codepoints = {c for lo, hi in RANGES for c in range(lo, hi + 1)}
    syllables = ks_x_1001_syllables()
    assert len(syllables) == 2350, len(syllables)
    codepoints |= {ord(c) for c in syllables | shipped_names()}
    options = subset.Options()
    options.hinting = False
    options.layout_features = ["kern"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 16, 17]
    options.name_languages = [0, 0x409]
    options.notdef_outline = True
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5", "gasp"]
    font = TTFont(sys.argv[1], recalcTimestamp=False)
    sub = subset.Subsetter(options)
    sub.populate(unicodes=sorted(codepoints))
    sub.subset(font)
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 16):
            value = FAMILY
        elif rec.nameID in (3, 4):
            value = FAMILY + " Regular"
        elif rec.nameID == 6:
            value = "DcplanHangul-Regular"
        elif rec.nameID == 0:
            value = (
                "Copyright (c) 2010, NAVER Corporation. Subset and renamed for dcplan "
                "(a Modified Version under the SIL Open Font License 1.1)."
            )
        elif rec.nameID in (2, 17):
            value = "Regular"
        else:
            continue
        rec.string = value
    name.names = [r for r in name.names if r.langID in (0, 0x409)]
    name.setName(FAMILY, 1, 3, 1, 0x409)
    font.save(OUT)
    kept = len(font.getBestCmap())
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes, {kept} characters")
    woff2 = TTFont(OUT, recalcTimestamp=False)
    woff2.flavor = "woff2"
    woff2_path = OUT[: -len(".ttf")] + ".woff2"
    woff2.save(woff2_path)
    print(f"wrote {woff2_path}: {os.path.getsize(woff2_path)} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the mesh assets the project makes itself (no downloaded art) into scenes/assets:

- toy_die.{obj,mtl,png}: a 5 cm die whose faces are painted from one PNG texture atlas: 3 x 2 cells of 64 px, one
  per face, each a colour with 1 ... 6 white pips, so that a render shows at a glance whether texture coordinates,
  the image's row order and the face winding are right (opposite faces add up to 7, as on a real die).
- u_channel.obj: a closed U-shaped channel (16 x 12 x 8 cm, 1.5 cm walls and floor), the concave shape that
  `collision: decomposition` holds things in and one convex hull cannot.

Standard library only.
usage: scripts/make-assets.py [OUTPUT_DIR]   (default: scenes/assets next to this script's parent)
"""
import os
import struct
import sys
import zlib

CELL = 64
HALF = 0.025  # metres: a 5 cm die
# Face: (normal axis, sign, pips, RGB). Opposite faces sum to 7.
FACES = [
    (2, +1, 1, (200, 40, 40)),    # top: 1, red
    (2, -1, 6, (40, 150, 60)),    # bottom: 6, green
    (0, +1, 2, (40, 80, 200)),    # +x: 2, blue
    (0, -1, 5, (220, 180, 30)),   # -x: 5, yellow
    (1, +1, 3, (140, 60, 170)),   # +y: 3, purple
    (1, -1, 4, (230, 120, 30)),   # -y: 4, orange
]
# Pip centres in a cell, as fractions (x right, y down), per count.
PIPS = {
    1: [(0.5, 0.5)],
    2: [(0.25, 0.25), (0.75, 0.75)],
    3: [(0.25, 0.25), (0.5, 0.5), (0.75, 0.75)],
    4: [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)],
    5: [(0.25, 0.25), (0.75, 0.25), (0.5, 0.5), (0.25, 0.75), (0.75, 0.75)],
    6: [(0.25, 0.22), (0.75, 0.22), (0.25, 0.5), (0.75, 0.5), (0.25, 0.78), (0.75, 0.78)],
}


def atlas():
    width, height = 3 * CELL, 2 * CELL
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            face = (y // CELL) * 3 + x // CELL
            _, _, pips, colour = FACES[face]
            fx, fy = (x % CELL + 0.5) / CELL, (y % CELL + 0.5) / CELL
            pixel = colour
            if min(fx, fy, 1 - fx, 1 - fy) < 0.05:
                pixel = (30, 30, 30)  # a dark edge line around each face
            elif any((fx - px) ** 2 + (fy - py) ** 2 < 0.11 ** 2 for px, py in PIPS[pips]):
                pixel = (250, 250, 250)
            row += bytes(pixel)
        rows.append(row)
    return width, height, rows


def png(width, height, rows):
    raw = b"".join(b"\x00" + bytes(r) for r in rows)  # filter type 0 per row

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, not interlaced
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def obj():
    lines = ["# A 5 cm die made by scripts/make-assets.py: metres, z up, one texture atlas (toy_die.png).",
             "mtllib toy_die.mtl", "o toy_die", "usemtl die"]
    faces = []
    for k, (axis, sign, _, _) in enumerate(FACES):
        n = [0.0, 0.0, 0.0]
        n[axis] = float(sign)
        # In-face axes u, v with u x v = n, so corners run counter-clockwise seen from outside.
        u = [0.0, 0.0, 0.0]
        u[(axis + 1) % 3] = 1.0
        v = [n[1] * u[2] - n[2] * u[1], n[2] * u[0] - n[0] * u[2], n[0] * u[1] - n[1] * u[0]]
        col, row = k % 3, k // 3
        inset = 0.5 / CELL
        u0, u1 = col / 3 + inset, (col + 1) / 3 - inset
        # OBJ's v = 0 is the image's bottom row; atlas row 0 is the top half.
        v1 = 1 - row / 2 - inset
        v0 = 1 - (row + 1) / 2 + inset
        base = 4 * k
        for i, (a, b, tu, tv) in enumerate([(-1, -1, u0, v0), (1, -1, u1, v0), (1, 1, u1, v1), (-1, 1, u0, v1)]):
            p = [HALF * (n[j] + a * u[j] + b * v[j]) for j in range(3)]
            lines.append("v %.6f %.6f %.6f" % tuple(p))
            lines.append("vt %.6f %.6f" % (tu, tv))
        lines.append("vn %.1f %.1f %.1f" % tuple(n))
        faces.append((base, k))
    for base, k in faces:
        a, b, c, d = (base + i + 1 for i in range(4))
        n = k + 1
        lines.append("f %d/%d/%d %d/%d/%d %d/%d/%d" % (a, a, n, b, b, n, c, c, n))
        lines.append("f %d/%d/%d %d/%d/%d %d/%d/%d" % (a, a, n, c, c, n, d, d, n))
    return "\n".join(lines) + "\n"


def channel():
    """The U profile in the x-z plane, counter-clockwise, extruded along y; caps as convex polygons (fans)."""
    w, h, t, b, l = 0.08, 0.08, 0.015, 0.015, 0.06
    profile = [(-w, 0), (w, 0), (w, b), (w, h), (w - t, h), (w - t, b), (-w + t, b), (-w + t, h), (-w, h), (-w, b)]
    n = len(profile)
    lines = ["# A U-shaped channel made by scripts/make-assets.py: metres, z up, closed, outward wound.", "o u_channel"]
    for y in (-l, l):
        lines += ["v %.6f %.6f %.6f" % (x, y, z) for x, z in profile]
    front = lambda i: i + 1  # OBJ indices are 1-based; front cap at y = -l faces -y
    back = lambda i: i + n + 1
    for polygon in ([0, 1, 2, 5, 6, 9], [5, 2, 3, 4], [9, 6, 7, 8]):
        for k in range(1, len(polygon) - 1):
            lines.append("f %d %d %d" % (front(polygon[0]), front(polygon[k]), front(polygon[k + 1])))
            lines.append("f %d %d %d" % (back(polygon[0]), back(polygon[k + 1]), back(polygon[k])))
    for i in range(n):
        j = (i + 1) % n
        lines.append("f %d %d %d" % (front(i), back(j), front(j)))
        lines.append("f %d %d %d" % (front(i), back(i), back(j)))
    return "\n".join(lines) + "\n"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenes", "assets")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "toy_die.png"), "wb") as f:
        f.write(png(*atlas()))
    with open(os.path.join(out, "toy_die.mtl"), "w") as f:
        f.write("# Material of toy_die.obj (scripts/make-assets.py): the atlas as the diffuse map.\n"
                "newmtl die\nKd 1.0 1.0 1.0\nmap_Kd toy_die.png\n")
    with open(os.path.join(out, "toy_die.obj"), "w") as f:
        f.write(obj())
    with open(os.path.join(out, "u_channel.obj"), "w") as f:
        f.write(channel())


if __name__ == "__main__":
    main()

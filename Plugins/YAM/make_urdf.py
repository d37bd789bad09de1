#!/usr/bin/env python3
"""Writes yam_bimanual.urdf: two I2RT YAM v0 arms with linear_4310 grippers, primitive shapes only.

Every number is from docs/reference/embodiments.md section 3 (sources in README.md); run
`python3 make_urdf.py > yam_bimanual.urdf` after changing one.
"""
import math

PI = math.pi
# joint: (name, parent, child, xyz, rpy, lower, upper, effort)  -- Y 2025 yam.urdf (3.2), limits 3.3, efforts 3.3/3.6
JOINTS = [
    ("joint1", "base_link", "link_1", (0, 0, 0.0631), (0, 0, PI / 2), -2.61799, 3.13, 28),
    ("joint2", "link_1", "link_2", (2.5e-5, -0.02, 0.0409), (PI / 2, 0, PI / 2), 0.0, 3.65, 28),
    ("joint3", "link_2", "link_3", (0.264, 0, 0), (-PI, 0, 0), 0.0, 3.13, 28),
    ("joint4", "link_3", "link_4", (-0.245, -0.0600003, 0), (0, 0, 0), -1.5708, 1.5708, 10),
    ("joint5", "link_4", "link_5", (-0.0739968, -0.0395003, 2.45e-5), (-PI / 2, PI / 2, 0), -1.5708, 1.5708, 10),
    ("joint6", "link_5", "link_6", (0, 0.0353, 0.0395), (-PI / 2, 0, 0), -2.0944, 2.0944, 10),
]
VELOCITY = PI  # rad/s: no official limit exists (3.3); chosen, see README
# link: mass, com, (ixx, iyy, izz, ixy, ixz, iyz)  -- 3.4
# link_6: linear_4310 body 0.553219 kg (M yam_linear_4310.xml) + wrist D405 with bracket 0.1087 kg at (0, 0.0704, 0.0770);
# COM of the body taken from the crank-gripper link_6 set (the linear set gives only diagonal inertia), combined (derived).
m6, c6 = 0.553219, (-5.1e-5, -0.0027, 0.048178)
mc, cc = 0.1087, (0.0, 0.070435, 0.077006)
M6 = m6 + mc
C6 = tuple((m6 * a + mc * b) / M6 for a, b in zip(c6, cc))
INERTIALS = {
    "base_link": (0.822546, (-7.2e-5, 2.5e-5, 0.015993), (0.00169415, 0.00066093, 0.00155626, 2.4e-7, -1.3e-7, -9.1e-7)),
    "link_1": (0.12415, (-0.001929, -0.007957, 0.020818), (5.98e-5, 1.692e-4, 1.562e-4, -4.59e-6, 7.41e-6, 1.683e-5)),
    "link_2": (1.24434, (0.132008, 2.1e-6, 2.93e-4), (6.833e-4, 0.0121902, 0.0121318, 0, 0, 0)),
    "link_3": (0.853698, (-0.121816, -0.054846, -1.11e-4), (8.350e-4, 0.0069497, 0.0069620, -5.366e-4, -1.03e-5, -6.4e-6)),
    "link_4": (0.463511, (-0.056978, -0.052710, 1.55e-4), (5.824e-4, 4.911e-4, 7.449e-4, -2.504e-4, -7.2e-6, -3.2e-6)),
    "link_5": (0.350962, (3.6e-5, 2.57e-4, 0.035353), (1.978e-4, 1.726e-4, 1.523e-4, -3.2e-7, -2.0e-7, -1.11e-5)),
    # diagonal of the linear_4310 body plus the camera as a point mass (derived)
    "link_6": (M6, C6, (4.097e-4 + mc * ((cc[1] - C6[1]) ** 2 + (cc[2] - C6[2]) ** 2) + m6 * ((c6[1] - C6[1]) ** 2 + (c6[2] - C6[2]) ** 2),
                        3.698e-4 + mc * (cc[2] - C6[2]) ** 2 + m6 * (c6[2] - C6[2]) ** 2,
                        3.244e-4 + mc * (cc[1] - C6[1]) ** 2 + m6 * (c6[1] - C6[1]) ** 2, 0, 0, 0)),
}
X, Y, Z = (0, PI / 2, 0), (PI / 2, 0, 0), (0, 0, 0)  # rpy turning a URDF capsule (along z) onto x, y, z
# capsules (radius, half-length, centre, axis) -- M yam.xml (3.5)
CAPSULES = {
    # base: raised 0.017 m (centre 0.026 -> 0.043) so that it does not reach below the mounting plane
    "base_link": [(0.033, 0.010, (0, 0, 0.043), Z)],
    "link_2": [(0.032, 0.11, (0.13, 0, 0), X), (0.033, 0.02, (0, 0, 0), Z), (0.033, 0.025, (0.265, 0, 0), Z)],
    "link_3": [(0.034, 0.12, (-0.14, -0.06, 0), X), (0.034, 0.015, (-0.24, -0.06, 0), Z)],
    "link_4": [(0.030, 0.015, (-0.073, -0.06, 0), Y)],
    "link_5": [(0.030, 0.015, (0, 0.025, 0.0395), Y)],
    "link_6": [(0.030, 0.005, (0, 0, 0.03), Z)],
}
# linear_4310 housing: box half-size (0.0325, 0.051, 0.0095) at z -0.054 in a frame turned by quat (0, 1, -1, 0)
# from link_6, i.e. half-size (0.051, 0.0325, 0.0095) at z +0.054 in link_6 (derived).
HOUSING = ((0.051, 0.0325, 0.0095), (0, 0, 0.054))
FINGER_MASS = 0.0710042
FINGER_STROKE = 0.0475
FINGER_BASE_Z = 0.0635      # lower face of the housing
FINGER = (0.004, 0.020, 0.0405)  # half-size: 8 mm thick, 40 mm wide (fitted), 81 mm long (tip at z 0.1445, pad centre 0.1362 in M)


def fmt(v):
    return " ".join(f"{x:.9g}" for x in v)


def inertial(mass, com, i):
    return (f'    <inertial>\n      <origin xyz="{fmt(com)}" rpy="0 0 0"/>\n      <mass value="{mass:.9g}"/>\n'
            f'      <inertia ixx="{i[0]:.9g}" iyy="{i[1]:.9g}" izz="{i[2]:.9g}" ixy="{i[3]:.9g}" ixz="{i[4]:.9g}" iyz="{i[5]:.9g}"/>\n    </inertial>\n')


def shape(geom, xyz, rpy, rgba):
    return "".join(f'    <{tag}>\n      <origin xyz="{fmt(xyz)}" rpy="{fmt(rpy)}"/>\n      <geometry>{geom}</geometry>\n'
                   + (f'      <material name="m{rgba.replace(" ", "_")}"><color rgba="{rgba}"/></material>\n' if tag == "visual" else "")
                   + f'    </{tag}>\n' for tag in ("collision", "visual"))


def arm(p, y):
    out = [f'  <joint name="{p}mount" type="fixed">\n    <parent link="bimanual_base"/>\n    <child link="{p}base_link"/>\n'
           f'    <origin xyz="0 {y} 0" rpy="0 0 0"/>\n  </joint>\n']
    grey, dark = "0.75 0.75 0.78 1", "0.15 0.15 0.15 1"
    for name, (mass, com, inertia) in INERTIALS.items():
        body = inertial(mass, com, inertia)
        for r, hl, c, rpy in CAPSULES.get(name, []):
            body += shape(f'<capsule radius="{r}" length="{2 * hl:.9g}"/>', c, rpy, grey)
        if name == "link_6":
            h, c = HOUSING
            body += shape(f'<box size="{fmt([2 * v for v in h])}"/>', c, (0, 0, 0), dark)
        out.append(f'  <link name="{p}{name}">\n{body}  </link>\n')
    for name, parent, child, xyz, rpy, lo, hi, effort in JOINTS:
        out.append(f'  <joint name="{p}{name}" type="revolute">\n    <parent link="{p}{parent}"/>\n    <child link="{p}{child}"/>\n'
                   f'    <origin xyz="{fmt(xyz)}" rpy="{fmt(rpy)}"/>\n    <axis xyz="0 0 1"/>\n'
                   f'    <limit lower="{lo}" upper="{hi}" effort="{effort}" velocity="{VELOCITY:.6g}"/>\n  </joint>\n')
    hx, hy, hz = FINGER
    ixx = FINGER_MASS / 12 * ((2 * hy) ** 2 + (2 * hz) ** 2)
    iyy = FINGER_MASS / 12 * ((2 * hx) ** 2 + (2 * hz) ** 2)
    izz = FINGER_MASS / 12 * ((2 * hx) ** 2 + (2 * hy) ** 2)
    for side, sign in (("left", 1), ("right", -1)):
        c = (sign * hx, 0, hz)
        body = inertial(FINGER_MASS, c, (ixx, iyy, izz, 0, 0, 0)) + shape(f'<box size="{fmt([2 * hx, 2 * hy, 2 * hz])}"/>', c, (0, 0, 0), dark)
        body += '    <contact><lateral_friction value="1"/></contact>\n'
        out.append(f'  <link name="{p}{side}_finger">\n{body}  </link>\n')
        out.append(f'  <joint name="{p}{side}_finger_joint" type="prismatic">\n    <parent link="{p}link_6"/>\n    <child link="{p}{side}_finger"/>\n'
                   f'    <origin xyz="0 0 {FINGER_BASE_Z}" rpy="0 0 0"/>\n    <axis xyz="{sign} 0 0"/>\n'
                   f'    <limit lower="0" upper="{FINGER_STROKE}" effort="100" velocity="0.2"/>\n  </joint>\n')
    return "".join(out)


print('<?xml version="1.0"?>\n<!-- Benchtop bimanual I2RT YAM v0 (linear_4310 grippers): generated by make_urdf.py; '
      'sources of every number in Plugins/YAM/README.md. -->\n<robot name="yam_bimanual">')
# The rig's root: a massless-looking plate between the arms (no collision; the arms' bases sit on the table).
print('  <link name="bimanual_base">\n' + inertial(1.0, (0, 0, 0), (0.01, 0.01, 0.01, 0, 0, 0)) + '  </link>')
print(arm("left_", 0.22), end="")
print(arm("right_", -0.22), end="")
print("</robot>")

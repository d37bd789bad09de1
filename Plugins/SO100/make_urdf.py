#!/usr/bin/env python3
"""Writes so101.urdf and so100.urdf (primitive shapes only) from the numbers in README.md.

SO-101: TheRobotStudio so101_new_calib.urdf joints and inertials, Menagerie robotstudio_so101 box collisions.
SO-100: Menagerie trs_so_arm100 joints, inertials (diaginertia + quat turned into full tensors) and jaw pads; its
link collisions are meshes in every source, so the link boxes here are FITTED (see README.md).
Run `python3 make_urdf.py` in this folder after changing a number.
"""
import math
import numpy as np

PI = math.pi


def quat_matrix(w, x, y, z):
    n = math.sqrt(w * w + x * x + y * y + z * z); w, x, y, z = w / n, x / n, y / n, z / n
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def rpy(R):  # URDF: R = Rz(yaw) Ry(pitch) Rx(roll)
    if abs(R[2, 0]) > 1 - 1e-9:  # pitch = +-pi/2: only roll - yaw is defined; take yaw = 0
        return (math.atan2(R[0, 1], R[0, 2]), PI / 2, 0.0) if R[2, 0] < 0 else (math.atan2(-R[0, 1], -R[0, 2]), -PI / 2, 0.0)
    return (math.atan2(R[2, 1], R[2, 2]), math.asin(max(-1, min(1, -R[2, 0]))), math.atan2(R[1, 0], R[0, 0]))


def rx(a):
    return quat_matrix(math.cos(a / 2), math.sin(a / 2), 0, 0)


def ry(a):
    return quat_matrix(math.cos(a / 2), 0, math.sin(a / 2), 0)


def fmt(v):
    return " ".join(f"{float(x):.9g}" for x in v)


def inertial(mass, com, I):
    return (f'    <inertial>\n      <origin xyz="{fmt(com)}" rpy="0 0 0"/>\n      <mass value="{mass:.9g}"/>\n'
            f'      <inertia ixx="{I[0]:.9g}" iyy="{I[1]:.9g}" izz="{I[2]:.9g}" ixy="{I[3]:.9g}" ixz="{I[4]:.9g}" iyz="{I[5]:.9g}"/>\n    </inertial>\n')


def full_inertia(diag, quat):
    R = quat_matrix(*quat)
    I = R @ np.diag(diag) @ R.T
    return (I[0, 0], I[1, 1], I[2, 2], I[0, 1], I[0, 2], I[1, 2])


def box(half, pos, R, rgba, friction=False):
    o = f'<origin xyz="{fmt(pos)}" rpy="{fmt(rpy(R))}"/>'
    g = f'<geometry><box size="{fmt([2 * h for h in half])}"/></geometry>'
    return (f'    <collision>\n      {o}\n      {g}\n    </collision>\n    <visual>\n      {o}\n      {g}\n'
            f'      <material name="c{rgba.replace(" ", "_")}"><color rgba="{rgba}"/></material>\n    </visual>\n')


def robot(name, comment, links, joints):
    out = [f'<?xml version="1.0"?>\n<!-- {comment} -->\n<robot name="{name}">\n']
    for lname, (mass, com, I, boxes, pads) in links.items():
        body = inertial(mass, com, I) + "".join(boxes)
        if pads:
            body += '    <contact><lateral_friction value="1"/></contact>\n'
        out.append(f'  <link name="{lname}">\n{body}  </link>\n')
    for (jn, kind, parent, child, xyz, R, axis, lo, hi, effort, vel) in joints:
        lim = f'\n    <limit lower="{lo}" upper="{hi}" effort="{effort}" velocity="{vel}"/>' if kind != "fixed" else ""
        ax = f'\n    <axis xyz="{fmt(axis)}"/>' if kind != "fixed" else ""
        out.append(f'  <joint name="{jn}" type="{kind}">\n    <parent link="{parent}"/>\n    <child link="{child}"/>\n'
                   f'    <origin xyz="{fmt(xyz)}" rpy="{fmt(rpy(R))}"/>{ax}{lim}\n  </joint>\n')
    out.append("</robot>\n")
    return "".join(out)


YELLOW, BLACK, ORANGE = "1 0.82 0.12 1", "0.1 0.1 0.1 1", "1 0.331 0 1"
EFFORT = 2.94    # N m, STS3215 12 V stall torque (S README; M so101 forcerange)
VEL = 4.0        # rad/s, chosen (no-load speed of the STS3215 is about 4.7 rad/s; URDF values are placeholders)
Q = quat_matrix
I3 = np.eye(3)

# ---------------- SO-101 (new calibration) ----------------
links101 = {
    "base": (0.147, (0.0137179, -5.19711e-05, 0.0334843), (0.000114686, 0.000136117, 0.000130364, -4.59787e-07, 4.97151e-06, 9.75275e-08),
             [box((0.045, 0.045, 0.02), (0.005, 0, 0.02), I3, YELLOW)], False),  # FITTED base block (visual + static collision)
    "shoulder": (0.100006, (-0.0307604, -1.7e-05, -0.0252713), (8.3759e-05, 8.10403e-05, 2.39783e-05, 7.55525e-08, -1.16342e-06, 1.54663e-07),
                 [box((0.023, 0.015, 0.01), (-0.030399, 0.000422, -0.0387), Q(1, 1, 1, -1), BLACK),
                  box((0.038, 0.025, 0.02), (-0.025, 0, 0.0), Q(1, 1, -1, 1), YELLOW)], False),
    "upper_arm": (0.103, (-0.089847, -0.008382, 0.018409), (4.08002e-05, 0.000147318, 0.000142487, -1.97819e-05, -4.03016e-08, 8.97326e-09),
                  [box((0.01, 0.07, 0.03), (-0.06, 0, 0.02), Q(0, -1, 1, 0), YELLOW),
                   box((0.01, 0.02, 0.015), (-0.12, -0.014, 0.0182), Q(0, 1, 0, 0), BLACK)], False),
    "lower_arm": (0.104, (-0.098070, 0.0032438, 0.018283), (2.87438e-05, 0.000159844, 0.00014529, 7.41152e-06, 1.26409e-06, -4.90188e-08),
                  [box((0.07, 0.01, 0.03), (-0.05, 0, 0.0182), Q(0, 1, 0, 0), YELLOW),
                   box((0.023, 0.013, 0.018), (-0.125, 0.005, 0.018), Q(0, -1, 0, 0), BLACK)], False),
    "wrist": (0.079, (-0.000103312, -0.0386143, 0.0281156), (3.68263e-05, 2.5391e-05, 2.1e-05, 1.7893e-08, -5.28128e-08, 3.6412e-06),
              [box((0.029, 0.015, 0.018), (0, -0.0424, 0.0256), Q(1, 1, 1, -1), BLACK),
               box((0.027, 0.01, 0.03), (0, -0.02, 0.0191), Q(1, -1, -1, -1), YELLOW)], False),
    # gripper: fixed jaw and wrist-roll servo (the 0.012 kg camera mount of M is left out of the inertial; its boxes are kept)
    "gripper": (0.087, (0.000214, 0.000245, -0.025187), (2.75087e-05, 4.33657e-05, 3.45059e-05, -3.35241e-07, -5.7352e-06, -5.17847e-08),
                [box((0.01, 0.01, 0.018), (0, -0.000218, 0.00095), Q(0, 1, 0, 0), YELLOW),
                 box((0.0325, 0.015, 0.015), (-0.0025, 0, -0.022), I3, BLACK),
                 box((0.01, 0.015, 0.005), (-0.024, 0, -0.04), I3, YELLOW),
                 box((0.003, 0.008, 0.024), (-0.0175, 0, -0.075), I3, YELLOW),   # FITTED jaw bar behind the pads
                 box((0.001, 0.004, 0.004), (-0.009, 0, -0.0982), I3, ORANGE),
                 box((0.001, 0.005, 0.006), (-0.0108, 0, -0.0905), I3, ORANGE),
                 box((0.001, 0.009, 0.008), (-0.0125, 0, -0.0727), I3, ORANGE),
                 box((0.001, 0.01, 0.008), (-0.0143, 0, -0.053), I3, ORANGE),
                 box((0.015, 0.015, 0.003), (-0.0025, 0.03, -0.03), I3, BLACK),
                 box((0.021, 0.021, 0.003), (-0.001, 0.06, -0.04), rx(-0.55), BLACK)], True),
    "moving_jaw": (0.012, (-0.001575, -0.0300244, 0.0192755), (6.61427e-06, 1.89032e-06, 5.28738e-06, -3.19807e-07, -5.90717e-09, -1.09945e-07),
                   [box((0.01, 0.01, 0.015), (0, -0.013, 0.019), I3, YELLOW),
                    box((0.003, 0.024, 0.007), (-0.005, -0.045, 0.019), I3, YELLOW),     # FITTED jaw bar
                    box((0.001, 0.004, 0.004), (-0.0113, -0.076, 0.01875), I3, ORANGE),
                    box((0.001, 0.005, 0.006), (-0.0093, -0.067, 0.01875), I3, ORANGE)], True),
}
joints101 = [
    ("shoulder_pan", "revolute", "base", "shoulder", (0.0388353, 0, 0.0624), Q(0, 0, -1, 0), (0, 0, 1), -1.91986, 1.91986, EFFORT, VEL),
    ("shoulder_lift", "revolute", "shoulder", "upper_arm", (-0.0303992, -0.0182778, -0.0542), Q(1, -1, -1, -1), (0, 0, 1), -1.7453293, 1.7453293, EFFORT, VEL),
    ("elbow_flex", "revolute", "upper_arm", "lower_arm", (-0.11257, -0.028, 0), Q(1, 0, 0, 1), (0, 0, 1), -1.69, 1.69, EFFORT, VEL),
    ("wrist_flex", "revolute", "lower_arm", "wrist", (-0.1349, 0.0052, 0), Q(1, 0, 0, -1), (0, 0, 1), -1.658063, 1.658063, EFFORT, VEL),
    ("wrist_roll", "revolute", "wrist", "gripper", (0, -0.0611, 0.0181), Q(0.0172091, -0.0172091, 0.706897, 0.706897), (0, 0, 1), -2.74385, 2.84121, EFFORT, VEL),
    ("gripper", "revolute", "gripper", "moving_jaw", (0.0202, 0.0188, -0.0234), Q(1, 1, 0, 0), (0, 0, 1), -0.174533, 1.7453292, EFFORT, VEL),
]
open("so101.urdf", "w").write(robot("so101", "Benchtop SO-101 (new calibration): generated by make_urdf.py; sources in Plugins/SO100/README.md",
                                     links101, joints101))

# ---------------- SO-100 (Menagerie trs_so_arm100) ----------------
# The Menagerie base frame has the arm stretched along -y at q = 0; a fixed root turns it so that +x is forward.
links100 = {
    "base": (0.5, (0, 0, 0.02), (1e-3, 1e-3, 1e-3, 0, 0, 0), [box((0.04, 0.045, 0.02), (0, 0, 0.02), I3, ORANGE)], False),
    "Base": (1e-3, (0, 0, 0), (1e-7, 1e-7, 1e-7, 0, 0, 0), [], False),
    "Rotation_Pitch": (0.119226, (-9.07886e-05, 0.0590972, 0.031089), full_inertia((5.94278e-05, 5.89975e-05, 3.13712e-05), (0.363978, 0.441169, -0.623108, 0.533504)),
                       [box((0.018, 0.035, 0.022), (0, 0.06, 0.022), I3, ORANGE)], False),
    "Upper_Arm": (0.162409, (-1.72052e-05, 0.0701802, 0.00310545), full_inertia((0.000213312, 0.000167164, 7.01522e-05), (0.50104, 0.498994, -0.493562, 0.50632)),
                  [box((0.016, 0.062, 0.016), (0, 0.056, 0.012), I3, ORANGE)], False),
    "Lower_Arm": (0.147968, (-0.00339604, 0.00137796, 0.0768007), full_inertia((0.000138803, 0.000107748, 4.84242e-05), (0.701995, 0.0787996, 0.0645626, 0.704859)),
                  [box((0.016, 0.016, 0.062), (0, 0.003, 0.068), I3, ORANGE)], False),
    "Wrist_Pitch_Roll": (0.0661321, (-0.00852653, -0.0352279, -2.34622e-05), full_inertia((3.45403e-05, 2.39041e-05, 1.94704e-05), (-0.0522806, 0.705235, 0.0549524, 0.704905)),
                         [box((0.016, 0.022, 0.016), (0, -0.03, 0), I3, BLACK)], False),
    "Fixed_Jaw": (0.0929859, (0.00552377, -0.0280167, 0.000483583), full_inertia((5.03136e-05, 4.64098e-05, 2.72961e-05), (0.41836, 0.620891, -0.350644, 0.562599)),
                  [box((0.02, 0.02, 0.016), (-0.004, -0.022, 0), I3, BLACK),
                   box((0.003, 0.028, 0.007), (0.0185, -0.075, 0), I3, ORANGE),     # FITTED jaw bar behind the pads
                   box((0.001, 0.005, 0.004), (0.0089, -0.1014, 0), I3, BLACK),
                   box((0.001, 0.005, 0.006), (0.0109, -0.0914, 0), I3, BLACK),
                   box((0.001, 0.01, 0.007), (0.0126, -0.0768, 0), I3, BLACK),
                   box((0.001, 0.01, 0.008), (0.0143, -0.0572, 0), I3, BLACK)], True),
    "Moving_Jaw": (0.0202444, (-0.00161745, -0.0303473, 0.000449646), full_inertia((1.11265e-05, 8.99651e-06, 2.99548e-06), (0.696562, 0.716737, -0.0239844, -0.0227026)),
                   [box((0.003, 0.026, 0.007), (-0.0035, -0.04, 0), I3, ORANGE),    # FITTED jaw bar
                    box((0.001, 0.005, 0.004), (-0.0113, -0.077, 0), I3, BLACK),
                    box((0.001, 0.005, 0.006), (-0.0093, -0.067, 0), I3, BLACK),
                    box((0.001, 0.01, 0.006), (-0.0073, -0.055, 0), I3, BLACK),
                    box((0.001, 0.01, 0.008), (-0.0073, -0.035, 0), I3, BLACK)], True),
}
joints100 = [
    ("base_mount", "fixed", "base", "Base", (0, 0, 0), quat_matrix(math.cos(PI / 4), 0, 0, math.sin(PI / 4)), None, 0, 0, 0, 0),
    ("shoulder_pan", "revolute", "Base", "Rotation_Pitch", (0, -0.0452, 0.0165), Q(0.707105, 0.707108, 0, 0), (0, 1, 0), -2.2, 2.2, EFFORT, VEL),
    ("shoulder_lift", "revolute", "Rotation_Pitch", "Upper_Arm", (0, 0.1025, 0.0306), rx(1.57079), (1, 0, 0), -3.14158, 0.2, EFFORT, VEL),
    ("elbow_flex", "revolute", "Upper_Arm", "Lower_Arm", (0, 0.11257, 0.028), rx(-1.57079), (1, 0, 0), 0, 3.14158, EFFORT, VEL),
    ("wrist_flex", "revolute", "Lower_Arm", "Wrist_Pitch_Roll", (0, 0.0052, 0.1349), rx(-1.57079), (1, 0, 0), -2.0, 1.8, EFFORT, VEL),
    ("wrist_roll", "revolute", "Wrist_Pitch_Roll", "Fixed_Jaw", (0, -0.0601, 0), ry(1.57079), (0, 1, 0), -3.14158, 3.14158, EFFORT, VEL),
    ("gripper", "revolute", "Fixed_Jaw", "Moving_Jaw", (-0.0202, -0.0244, 0), Q(1.34924e-11, -3.67321e-06, 1, -3.67321e-06), (0, 0, 1), -0.2, 2.0, EFFORT, VEL),
]
open("so100.urdf", "w").write(robot("so100", "Benchtop SO-100 (Menagerie trs_so_arm100): generated by make_urdf.py; link boxes FITTED, sources in Plugins/SO100/README.md",
                                     links100, joints100))

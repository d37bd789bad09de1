"""Writes bench/franka.xml: the MuJoCo peer of Plugins/Franka/franka.urdf on the pick_cube table.

Every number of the arm comes from the URDF (capsules, boxes, inertials with products of inertia, joint
frames, axes, limits, efforts); only the actuator gains are MuJoCo's own, because MuJoCo's position actuator
is a PD force law while Bullet's motor is a velocity constraint: kp 8000 N m/rad on joints 1-4, 3500 on 5-7,
1000 N/m on the fingers, critically damped (dampratio 1), force-limited to the URDF efforts (fingers: Benchtop's
10 N gripper effort). These gains give about the tracking error Benchtop's motors give on the 2 s sinusoid of
bench/robot_peers.py (Menagerie's kp 4500 / kv 450 lags by kv/kp x velocity, about 0.09 rad there). Robot links do not collide
with each other (Benchtop turns multibody self-collision off). pick_cube: table 1.0 x 1.2 m at z 0.75
centred at x 0.35, 5 cm / 100 g cube at (0.5, 0, 0.775), robot base at (0, 0, 0.75), time step 1/240 s.

usage: python3 bench/make_franka_mjcf.py   (rewrites bench/franka.xml)
"""
import math
import os
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
URDF = os.path.join(HERE, "..", "Plugins", "Franka", "franka.urdf")
READY = [0, -math.pi / 4, 0, -3 * math.pi / 4, 0, math.pi / 2, math.pi / 4]
GAINS = {f"joint{i}": 8000 if i <= 4 else 3500 for i in range(1, 8)}
FINGER_GAIN = 1000


def nums(s):
    return [float(v) for v in s.split()]


def fmt(v):
    return " ".join(f"{x:.10g}" for x in v)


def quat(rpy):
    """URDF roll-pitch-yaw (fixed axes X, Y, Z) as a MuJoCo quaternion w x y z."""
    r, p, y = [a / 2 for a in rpy]
    cr, sr, cp, sp, cy, sy = math.cos(r), math.sin(r), math.cos(p), math.sin(p), math.cos(y), math.sin(y)
    return [cr * cp * cy + sr * sp * sy, sr * cp * cy - cr * sp * sy,
            cr * sp * cy + sr * cp * sy, cr * cp * sy - sr * sp * cy]


def origin(el):
    o = el.find("origin")
    xyz = nums(o.get("xyz", "0 0 0")) if o is not None else [0, 0, 0]
    rpy = nums(o.get("rpy", "0 0 0")) if o is not None else [0, 0, 0]
    return xyz, rpy


def frame_attrs(xyz, rpy):
    a = f'pos="{fmt(xyz)}"'
    if any(abs(v) > 0 for v in rpy):
        a += f' quat="{fmt(quat(rpy))}"'
    return a


def link_xml(link, indent):
    out = []
    inertial = link.find("inertial")
    if inertial is not None:
        xyz, rpy = origin(inertial)
        i = inertial.find("inertia")
        full = [float(i.get(k)) for k in ("ixx", "iyy", "izz", "ixy", "ixz", "iyz")]
        out.append(f'{indent}<inertial {frame_attrs(xyz, rpy)} mass="{inertial.find("mass").get("value")}" fullinertia="{fmt(full)}"/>')
    friction = link.find("contact/lateral_friction")
    fr = f' friction="{friction.get("value")} 0.005 0.0001"' if friction is not None else ""
    for c in link.findall("collision"):
        xyz, rpy = origin(c)
        g = c.find("geometry")[0]
        if g.tag == "capsule":
            size = [float(g.get("radius")), float(g.get("length")) / 2]
        elif g.tag == "box":
            size = [v / 2 for v in nums(g.get("size"))]
        elif g.tag == "sphere":
            size = [float(g.get("radius"))]
        elif g.tag == "cylinder":
            size = [float(g.get("radius")), float(g.get("length")) / 2]
        else:
            raise SystemExit(f"{URDF}: link {link.get('name')}: geometry {g.tag} has no primitive MJCF form")
        out.append(f'{indent}<geom class="robot" type="{g.tag}" size="{fmt(size)}" {frame_attrs(xyz, rpy)}{fr}/>')
    return out


def main():
    robot = ET.parse(URDF).getroot()
    links = {l.get("name"): l for l in robot.findall("link")}
    children = {}
    for j in robot.findall("joint"):
        children.setdefault(j.find("parent").get("link"), []).append(j)
    actuators = []

    def body(name, joint, indent):
        lines = []
        if joint is None:
            lines.append(f'{indent}<body name="{name}" pos="0 0 0.75">')
        else:
            xyz, rpy = origin(joint)
            lines.append(f'{indent}<body name="{name}" {frame_attrs(xyz, rpy)}>')
            kind = joint.get("type")
            if kind in ("revolute", "prismatic"):
                lim = joint.find("limit")
                jn = joint.get("name")
                mj = "hinge" if kind == "revolute" else "slide"
                lines.append(f'{indent}  <joint name="{jn}" type="{mj}" axis="{joint.find("axis").get("xyz")}" '
                             f'range="{lim.get("lower")} {lim.get("upper")}"/>')
                kp = GAINS.get(jn, FINGER_GAIN)
                effort = float(lim.get("effort")) if jn in GAINS else 10.0  # Benchtop's gripper effort (Gripper.effort)
                actuators.append(f'    <position name="{jn}" joint="{jn}" kp="{kp}" dampratio="1" forcerange="{-effort} {effort}" '
                                 f'ctrlrange="{lim.get("lower")} {lim.get("upper")}"/>')
            elif kind != "fixed":
                raise SystemExit(f"{URDF}: joint {joint.get('name')}: type {kind} not handled")
        lines += link_xml(links[name], indent + "  ")
        for j in children.get(name, []):
            lines += body(j.find("child").get("link"), j, indent + "  ")
        lines.append(f"{indent}</body>")
        return lines

    bodies = body("link0", None, "    ")
    home = READY + [0.04, 0.04]
    xml = f"""<!-- Generated by bench/make_franka_mjcf.py from Plugins/Franka/franka.urdf: do not edit by hand. -->
<mujoco model="franka_pick_cube">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="{1 / 240:.12g}" integrator="implicitfast" gravity="0 0 -9.81"/>
  <default>
    <default class="robot"><geom contype="1" conaffinity="0"/></default>
  </default>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 0.1" friction="0.8 0.005 0.0001"/>
    <geom name="table" type="box" size="0.5 0.6 0.375" pos="0.35 0 0.375" friction="0.8 0.005 0.0001"/>
    <body name="cube" pos="0.5 0 0.775">
      <freejoint/>
      <geom type="box" size="0.025 0.025 0.025" mass="0.1" friction="0.9 0.005 0.0001"/>
    </body>
{chr(10).join(bodies)}
  </worldbody>
  <actuator>
{chr(10).join(actuators)}
  </actuator>
  <keyframe>
    <key name="home" qpos="0.5 0 0.775 1 0 0 0 {fmt(home)}" ctrl="{fmt(home)}"/>
  </keyframe>
</mujoco>
"""
    with open(os.path.join(HERE, "franka.xml"), "w") as f:
        f.write(xml)


if __name__ == "__main__":
    main()

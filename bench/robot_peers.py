"""Franka peers for `benchtop bench physics --robot franka`: MuJoCo (bench/franka.xml) and PyBullet
(Plugins/Franka/franka.urdf), both on the pick_cube table with the arm holding its ready pose.

usage: robot_peers.py ENGINE speed STEPS     prints steps/s of one run (world building not timed)
       robot_peers.py ENGINE track           prints the tracking figure (JSON) of TRACK below
ENGINE: mujoco             bench/franka.xml as written: 1/240 s, implicitfast, MuJoCo's default solver
        pybullet-equal     Benchtop's settings: 1/240 s, 10 solver iterations, split impulse, contact ERP 0.2
        pybullet-defaults  PyBullet's defaults (1/240 s, 50 solver iterations)
PyBullet drives the joints as Benchtop does: POSITION_CONTROL with position gain 0.3, velocity gain 1, the URDF
efforts (gripper 10 N) and the URDF velocity limits as maxVelocity.

TRACK: joints 1, 2 and 4 follow ready + 0.3 rad * sin(2 pi t / 2 s) for 2 s (targets sent every step);
the figure is the RMS and the largest joint error over those joints and steps, in rad.
"""
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
READY = [0, -math.pi / 4, 0, -3 * math.pi / 4, 0, math.pi / 2, math.pi / 4]
DT = 1.0 / 240
AMPLITUDE, PERIOD, TRACKED = 0.3, 2.0, (0, 1, 3)


def reference(step):
    t = (step + 1) * DT
    q = list(READY)
    for j in TRACKED:
        q[j] += AMPLITUDE * math.sin(2 * math.pi * t / PERIOD)
    return q


class MuJoCo:
    def __init__(self):
        import mujoco
        self.mj = mujoco
        self.model = mujoco.MjModel.from_xml_path(os.path.join(HERE, "franka.xml"))
        self.data = mujoco.MjData(self.model)
        mujoco.mj_resetDataKeyframe(self.model, self.data, 0)
        mujoco.mj_forward(self.model, self.data)
        self.arm = [self.model.joint(f"joint{i}").qposadr[0] for i in range(1, 8)]

    def step(self, n=1):
        self.mj.mj_step(self.model, self.data, nstep=n)

    def command(self, q):
        self.data.ctrl[:7] = q

    def joints(self):
        return [self.data.qpos[a] for a in self.arm]


class PyBullet:
    def __init__(self, mode):
        import pybullet as p
        self.p = p
        c = self.c = p.connect(p.DIRECT)
        p.setGravity(0, 0, -9.81, physicsClientId=c)
        if mode == "equal":
            p.setPhysicsEngineParameter(fixedTimeStep=DT, numSolverIterations=10, useSplitImpulse=1, contactERP=0.2,
                                        deterministicOverlappingPairs=1, physicsClientId=c)
        else:
            p.setTimeStep(DT, physicsClientId=c)

        def box(half, pos, mass, mu):
            shape = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=c)
            b = p.createMultiBody(baseMass=mass, baseCollisionShapeIndex=shape, basePosition=pos, physicsClientId=c)
            p.changeDynamics(b, -1, lateralFriction=mu, physicsClientId=c)
            return b
        box([5, 5, 0.05], [0, 0, -0.05], 0, 0.8)
        box([0.5, 0.6, 0.375], [0.35, 0, 0.375], 0, 0.8)
        box([0.025, 0.025, 0.025], [0.5, 0, 0.775], 0.1, 0.9)
        urdf = os.path.join(HERE, "..", "Plugins", "Franka", "franka.urdf")
        self.robot = p.loadURDF(urdf, [0, 0, 0.75], useFixedBase=True, flags=p.URDF_USE_INERTIA_FROM_FILE, physicsClientId=c)
        self.movable, self.efforts, self.speeds = [], [], []
        for j in range(p.getNumJoints(self.robot, physicsClientId=c)):
            info = p.getJointInfo(self.robot, j, physicsClientId=c)
            if info[2] in (p.JOINT_REVOLUTE, p.JOINT_PRISMATIC):
                self.movable.append(j)
                self.efforts.append(10.0 if info[2] == p.JOINT_PRISMATIC else info[10])
                self.speeds.append(info[11])
        self.home = READY + [0.04, 0.04]
        for j, q in zip(self.movable, self.home):
            p.resetJointState(self.robot, j, q, physicsClientId=c)
        self.command(READY)

    def command(self, q):
        targets = list(q) + self.home[7:]
        for j, t, f, v in zip(self.movable, targets, self.efforts, self.speeds):
            self.p.setJointMotorControl2(self.robot, j, self.p.POSITION_CONTROL, targetPosition=t, positionGain=0.3,
                                         velocityGain=1.0, force=f, maxVelocity=v, physicsClientId=self.c)

    def step(self, n=1):
        for _ in range(n):
            self.p.stepSimulation(physicsClientId=self.c)

    def joints(self):
        return [s[0] for s in self.p.getJointStates(self.robot, self.movable[:7], physicsClientId=self.c)]


def make(engine):
    if engine == "mujoco":
        return MuJoCo()
    if engine in ("pybullet-equal", "pybullet-defaults"):
        return PyBullet(engine.split("-")[1])
    raise SystemExit(f"robot_peers.py: unknown engine '{engine}' (expected mujoco, pybullet-equal, pybullet-defaults)")


def main():
    engine, task = sys.argv[1], sys.argv[2]
    sim = make(engine)
    if task == "speed":
        steps = int(sys.argv[3])
        start = time.perf_counter()
        sim.step(steps)
        print(f"{steps / (time.perf_counter() - start):.1f}")
    elif task == "track":
        squares, worst, n = 0.0, 0.0, 0
        for s in range(int(round(PERIOD / DT))):
            ref = reference(s)
            sim.command(ref)
            sim.step()
            q = sim.joints()
            for j in TRACKED:
                e = q[j] - ref[j]
                squares += e * e
                worst = max(worst, abs(e))
                n += 1
        print(json.dumps({"rms": math.sqrt(squares / n), "max": worst}))
    else:
        raise SystemExit(f"robot_peers.py: unknown task '{task}' (expected speed or track)")


if __name__ == "__main__":
    main()

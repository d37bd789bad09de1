"""PyBullet peer for `benchtop bench physics`: the exported scene in DIRECT mode, steps per second.

usage: physics_pybullet.py SCENE.txt STEPS RUNS equal|defaults
  equal:    Benchtop's time step and solver iterations (and split impulse, deterministic pairs).
  defaults: PyBullet's own defaults (1/240 s, 50 solver iterations).
Prints the median steps per second over RUNS runs.
"""
import statistics
import sys
import time

import pybullet as p


def build(path, mode):
    client = p.connect(p.DIRECT)
    dt, iterations = 1.0 / 240, 50
    with open(path) as f:
        lines = [l.split() for l in f if l.strip()]
    for fields in lines:
        if fields[0] == "physics":
            dt, iterations = float(fields[1]), int(fields[2])
            p.setGravity(float(fields[3]), float(fields[4]), float(fields[5]), physicsClientId=client)
            if mode == "equal":
                p.setPhysicsEngineParameter(fixedTimeStep=dt, numSolverIterations=iterations, useSplitImpulse=1,
                                            contactERP=0.2, deterministicOverlappingPairs=1, physicsClientId=client)
            else:
                p.setTimeStep(1.0 / 240, physicsClientId=client)
            continue
        kind = fields[0]
        m, x, y, z, qx, qy, qz, qw, mu, roll, spin, rest, a, b, c = map(float, fields[1:16])
        if kind == "box":
            shape = p.createCollisionShape(p.GEOM_BOX, halfExtents=[a, b, c], physicsClientId=client)
        elif kind == "sphere":
            shape = p.createCollisionShape(p.GEOM_SPHERE, radius=a, physicsClientId=client)
        elif kind == "cylinder":
            shape = p.createCollisionShape(p.GEOM_CYLINDER, radius=a, height=2 * b, physicsClientId=client)
        else:
            continue
        body = p.createMultiBody(baseMass=m, baseCollisionShapeIndex=shape, basePosition=[x, y, z],
                                 baseOrientation=[qx, qy, qz, qw], physicsClientId=client)
        p.changeDynamics(body, -1, lateralFriction=mu, rollingFriction=roll, spinningFriction=spin,
                         restitution=rest, activationState=p.ACTIVATION_STATE_DISABLE_SLEEPING, physicsClientId=client)
        # Benchtop anchors friction on robot links only; this scene has none (frictionAnchor stays 0, PyBullet's default).
    return client


def main():
    path, steps, runs, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rates = []
    for _ in range(runs):
        client = build(path, mode)
        start = time.perf_counter()
        for _ in range(steps):
            p.stepSimulation(physicsClientId=client)
        rates.append(steps / (time.perf_counter() - start))
        p.disconnect(client)
    print(f"{statistics.median(rates):.1f}")


if __name__ == "__main__":
    main()

"""robosuite peer for `benchtop bench loop`: LIBERO's environment step rate on this machine.

A Panda Lift environment as LIBERO configures robosuite: OSC_POSE control at 20 Hz, two 256x256 cameras
(agentview + eye-in-hand) rendered every step, MuJoCo's offscreen renderer on EGL. With CAMERAS 0 it is the
setting of the issue's anchor (robosuite Lift env.step without cameras, about 45 steps/s on a 2-core VM).
usage: loop_robosuite.py STEPS [CAMERAS]  -> prints steps per second
"""
import os
import sys
import time

os.environ.setdefault("MUJOCO_GL", "egl")
import numpy as np  # noqa: E402
import robosuite as suite  # noqa: E402
from robosuite.controllers import load_composite_controller_config  # noqa: E402


def main():
    steps = int(sys.argv[1])
    cameras = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    env = suite.make(
        "Lift", robots="Panda", controller_configs=load_composite_controller_config(controller="BASIC"),
        has_renderer=False, has_offscreen_renderer=cameras > 0, use_camera_obs=cameras > 0,
        camera_names=["agentview", "robot0_eye_in_hand"][:max(cameras, 1)], camera_heights=256, camera_widths=256,
        control_freq=20, horizon=100000, ignore_done=True)
    env.reset()
    action = np.zeros(env.action_dim)
    for _ in range(10):
        env.step(action)
    start = time.perf_counter()
    for i in range(steps):
        action[:3] = 0.05 * np.sin(i * 0.1)
        env.step(action)
    print(f"{steps / (time.perf_counter() - start):.2f}")


if __name__ == "__main__":
    main()

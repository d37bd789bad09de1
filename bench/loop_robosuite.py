"""robosuite peer for `benchtop bench loop`: LIBERO's environment step rate on this machine.

A Panda Lift environment as LIBERO configures robosuite: OSC_POSE control at 20 Hz, two 256x256 cameras
(agentview + eye-in-hand) rendered every step, MuJoCo's offscreen renderer on EGL.
usage: loop_robosuite.py STEPS  -> prints steps per second
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
    env = suite.make(
        "Lift", robots="Panda", controller_configs=load_composite_controller_config(controller="BASIC"),
        has_renderer=False, has_offscreen_renderer=True, use_camera_obs=True,
        camera_names=["agentview", "robot0_eye_in_hand"], camera_heights=256, camera_widths=256,
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

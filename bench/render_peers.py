#!/usr/bin/env python3
"""Peer renderers for `benchtop bench render`: PyBullet's getCameraImage (TinyRenderer) and MuJoCo's Renderer
(EGL, else OSMesa) on a scene equivalent to pick_cube (floor, table slab, 5 cm cube, one key light), 256x256 RGB + depth
per camera (--width/--height for other sizes). Prints one JSON object: frames/s per peer and camera count (median of
trials).

Usage: python3 bench/render_peers.py --frames 200 --trials 5 --cameras 1,3 [--width 640 --height 480]
"""
import argparse, json, math, os, statistics, sys, time

# MuJoCo picks its GL back-end when first imported: headless EGL unless the caller chose one.
os.environ.setdefault("MUJOCO_GL", "egl")

# Scene as in scenes/pick_cube.yaml and World (ground box, table 1.0 x 1.2 x 0.05 at top z 0.75, cube 5 cm at x 0.5).
CAMERAS = [  # eye, target, vertical fov (degrees): primary, side, and the bench's overhead camera
    ((1.05, 0.0, 1.25), (0.45, 0.0, 0.75), 45.0),
    ((0.45, -0.75, 1.05), (0.45, 0.0, 0.75), 50.0),
    ((0.45, 0.0, 1.65), (0.45, 0.0, 0.75), 45.0),
]
W = H = 256
NEAR, FAR = 0.01, 10.0


def timed(render_all, frames, trials):
    render_all()  # warm-up
    rates = []
    for _ in range(trials):
        t0 = time.perf_counter()
        for i in range(frames):
            render_all(i)
        rates.append(frames / (time.perf_counter() - t0))
    return statistics.median(rates)


def pybullet_rates(frames, trials, counts):
    import pybullet as p
    cid = p.connect(p.DIRECT)
    def box(half, pos, rgba):
        v = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=rgba)
        return p.createMultiBody(baseMass=0, baseVisualShapeIndex=v, basePosition=pos)
    box([10, 10, 0.05], [0, 0, -0.05], [0.55, 0.55, 0.55, 1])
    box([0.5, 0.6, 0.025], [0.35, 0, 0.725], [0.62, 0.45, 0.3, 1])
    cube = box([0.025] * 3, [0.5, 0, 0.775], [1, 0, 0, 1])
    mats = [(p.computeViewMatrix(e, t, [0, 0, 1]), p.computeProjectionMatrixFOV(f, W / H, NEAR, FAR)) for e, t, f in CAMERAS]
    out = {}
    for n in counts:
        def render_all(i=0):
            # Move the cube a little each frame, as a running simulation would.
            p.resetBasePositionAndOrientation(cube, [0.5 + 0.0001 * (i % 50), 0, 0.775], [0, 0, 0, 1])
            for view, proj in mats[:n]:
                p.getCameraImage(W, H, view, proj, shadow=1, lightDirection=[0.4, -0.3, 1.0],
                                 renderer=p.ER_TINY_RENDERER, flags=p.ER_NO_SEGMENTATION_MASK)
        out[str(n)] = timed(render_all, frames, trials)
    p.disconnect(cid)
    return out


def mujoco_rates(frames, trials, counts):
    backend = None
    last = None
    for gl in (os.environ["MUJOCO_GL"],):
        try:
            import mujoco
            cams = "".join(
                f'<camera name="c{k}" pos="{e[0]} {e[1]} {e[2]}" mode="targetbody" target="look{k}" fovy="{f}"/>'
                for k, (e, t, f) in enumerate(CAMERAS))
            looks = "".join(f'<body name="look{k}" pos="{t[0]} {t[1]} {t[2]}"/>' for k, (e, t, f) in enumerate(CAMERAS))
            xml = f"""<mujoco><visual><global offwidth="{W}" offheight="{H}"/><map znear="{NEAR / 10}" zfar="{FAR / 10}"/>
              <quality shadowsize="1024"/></visual>
              <worldbody><light directional="true" dir="-0.4 0.3 -1" castshadow="true"/>
              <geom type="box" size="10 10 0.05" pos="0 0 -0.05" rgba="0.55 0.55 0.55 1"/>
              <geom type="box" size="0.5 0.6 0.025" pos="0.35 0 0.725" rgba="0.62 0.45 0.3 1"/>
              <body name="cube" pos="0.5 0 0.775"><freejoint/><geom type="box" size="0.025 0.025 0.025" rgba="1 0 0 1"/></body>
              {looks}{cams}</worldbody></mujoco>"""
            model = mujoco.MjModel.from_xml_string(xml)
            data = mujoco.MjData(model)
            renderer = mujoco.Renderer(model, H, W)
            backend = gl
            try:  # name the GL device MuJoCo's context landed on (a GPU, or llvmpipe)
                from OpenGL import GL
                renderer._gl_context.make_current()
                backend += ", " + GL.glGetString(GL.GL_RENDERER).decode()
            except Exception:
                pass
            break
        except Exception as error:  # try the next GL back-end
            last = error
            continue
    if backend is None:
        raise RuntimeError(f"MuJoCo rendering unavailable: {last}")
    out = {}
    for n in counts:
        def render_all(i=0):
            data.qpos[0] = 0.5 + 0.0001 * (i % 50)
            mujoco.mj_forward(model, data)
            for k in range(n):
                renderer.disable_depth_rendering()
                renderer.update_scene(data, camera=f"c{k}")
                renderer.render()
                renderer.enable_depth_rendering()
                renderer.update_scene(data, camera=f"c{k}")
                renderer.render()
        out[str(n)] = timed(render_all, frames, trials)
    renderer.close()
    return out, backend


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--slow-frames", type=int, default=20, help="frames per trial for PyBullet's software TinyRenderer")
    ap.add_argument("--cameras", default="1,3")
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--height", type=int, default=256)
    args = ap.parse_args()
    global W, H
    W, H = args.width, args.height
    counts = [int(c) for c in args.cameras.split(",")]
    result = {}
    try:
        import pybullet
        result["pybullet"] = {"fps": pybullet_rates(args.slow_frames, args.trials, counts),
                              "renderer": "TinyRenderer (getCameraImage, ER_TINY_RENDERER, shadows on)",
                              "version": str(pybullet.getAPIVersion())}
    except Exception as error:
        result["pybullet"] = {"error": str(error)}
    try:
        import mujoco
        fps, backend = mujoco_rates(args.frames, args.trials, counts)
        result["mujoco"] = {"fps": fps, "renderer": f"mujoco.Renderer ({backend}), RGB render + depth render",
                            "version": mujoco.__version__}
    except Exception as error:
        result["mujoco"] = {"error": str(error)}
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()

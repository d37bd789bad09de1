#!/usr/bin/env python3
"""Re-runs every case listed in issue 18 (points 1-7) against the benchtop binary, as a new user would type them.

Usage: tools/hardening/issue18_cases.py [BENCHTOP]   (default: .build/debug/benchtop; run from the repository root)

Each case states what must happen: most are refused with a clean error (exit status 1..125, a message, no
signal, no hang within the time limit, bounded memory and output); a few are runs whose outcome is checked
(results kept after SIGTERM, an exploding scene that is not a success). Prints one line per case and a
summary; exits non-zero if any case is not as expected.
"""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/benchtop")
SECRET = "ISSUE18-CANARY-c0ffee"
PICK = open(os.path.join(ROOT, "scenes/pick_cube.yaml")).read()
TOY = os.path.join(ROOT, "Tests/EmbodimentConformanceTests/Fixtures/toy_arm")
FAST = ["--no-video", "--no-panels"]
results = []


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))


def run(args, timeout=120, **kw):
    start = time.time()
    try:
        p = subprocess.run([BIN] + args, cwd=ROOT, capture_output=True, timeout=timeout, preexec_fn=limit_memory, **kw)
        return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace"), time.time() - start
    except subprocess.TimeoutExpired:
        return "hang", "", time.time() - start


def record(point, label, ok, detail):
    results.append(ok)
    print(f"[{'ok ' if ok else 'BAD'}] {point} {label}: {detail}")


def refused(point, label, args, words=(), timeout=120):
    """A clean error: non-zero exit without a signal, the words in the message, no canary, short output."""
    status, out, seconds = run(args, timeout)
    first = next((l for l in out.splitlines() if l.strip()), "")[:150]
    ok = isinstance(status, int) and 0 < status < 126 and SECRET not in out and len(out) < 4000
    ok = ok and all(w in out for w in words)
    record(point, label, ok, f"exit {status} in {seconds:.1f} s: {first}")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def plugin(tmp, name, manifest=None, urdf=None):
    d = os.path.join(tmp, name)
    shutil.copytree(TOY, d)
    if manifest is not None:
        write(os.path.join(d, "embodiment.yaml"), manifest)
    if urdf is not None:
        write(os.path.join(d, "toy_arm.urdf"), urdf)
    return d


def main():
    tmp = tempfile.mkdtemp(prefix="issue18-")
    write(os.path.join(tmp, "secret.txt"), SECRET + "\n")
    os.mkfifo(os.path.join(tmp, "fifo"))
    manifest = open(os.path.join(TOY, "embodiment.yaml")).read()
    try:
        # 1. XXE in the URDF parser, through --embodiment-path.
        xxe = f'<?xml version="1.0"?><!DOCTYPE robot [<!ENTITY x SYSTEM "file://{tmp}/secret.txt">]><robot name="&x;"><link name="a"/></robot>'
        p = plugin(tmp, "xxe", urdf=xxe)
        refused(1, "XXE entity (check plugin)", ["check", "plugin", p], ["DOCTYPE"])
        refused(1, "XXE entity (eval --embodiment-path)", ["eval", "pick_cube", "--embodiment-path", p, "--robot", "toy_arm", "--episodes", "1", "--out", f"{tmp}/o1"] + FAST, ["DOCTYPE"])
        ext = f'<!DOCTYPE robot SYSTEM "file://{tmp}/fifo"><robot name="r"><link name="a"/></robot>'
        refused(1, "external DTD (FIFO)", ["check", "urdf", write(f"{tmp}/ext.urdf", ext)], ["DOCTYPE"], timeout=30)
        refused(1, "malformed XML", ["check", "urdf", write(f"{tmp}/bad.urdf", '<robot name="r"><link name="a"></robot>')], ["does not match"])
        loop = '<!DOCTYPE r [<!ENTITY a "&b;"><!ENTITY b "&a;">]><robot name="&a;"/>'
        refused(1, "entity loop", ["check", "urdf", write(f"{tmp}/loop.urdf", loop)], ["DOCTYPE"])

        # 2. Files outside the plugin or scene root.
        for target in ["../secret.txt", f"{tmp}/secret.txt", "/etc/passwd"]:
            p = plugin(tmp, "out" + str(len(results)), manifest=manifest.replace("urdf: toy_arm.urdf", f"urdf: {target}"))
            refused(2, f"manifest urdf: {target}", ["check", "plugin", p])
        p = plugin(tmp, "symlinked")
        os.remove(os.path.join(p, "toy_arm.urdf"))
        os.symlink(os.path.join(tmp, "secret.txt"), os.path.join(p, "toy_arm.urdf"))
        refused(2, "manifest urdf symlink", ["check", "plugin", p], ["symbolic link"])
        refused(2, "scene check /proc/self/environ", ["scene", "check", "/proc/self/environ"], ["not a text file"])
        refused(2, "2 MB scene error echo", ["scene", "check", write(f"{tmp}/big.yaml", "name: [" + "x" * 2_000_000 + "\n")])

        # 3. Crash sites.
        refused(3, "time_limit 1e308 (scene check)", ["scene", "check", write(f"{tmp}/tl.yaml", PICK.replace("time_limit: 15", "time_limit: 1e308"))], ["task.time_limit"])
        refused(3, "time_limit 1e308 (eval)", ["eval", f"{tmp}/tl.yaml", "--episodes", "1", "--out", f"{tmp}/o2"] + FAST, ["task.time_limit"])
        refused(3, "time_step 1e-300", ["sim", write(f"{tmp}/ts.yaml", PICK + "physics: {time_step: 1e-300}\n")], ["physics.time_step"])
        refused(3, "--seed max --episodes 2", ["eval", "--seed", "18446744073709551615", "--episodes", "2", "--out", f"{tmp}/o3"] + FAST, ["--seed"])
        refused(3, "--episodes=-1", ["eval", "--episodes=-1", "--out", f"{tmp}/o4"] + FAST, ["--episodes"])
        refused(3, "record --seed max --episodes 2", ["record", "--seed", "18446744073709551615", "--episodes", "2", "--out", f"{tmp}/r1"], ["--seed"])
        for body, key in [("actions: {noise: 1e300}", "actions.noise"), ("actions: {delay: 9223372036854775807}", "actions.delay")]:
            refused(3, f"perturbation {body}", ["check", "perturbation", write(f"{tmp}/p{len(results)}.yaml", f"perturbations:\n  - name: p\n    {body}\n")], [key])
        refused(3, "sweep of 10^12 episodes", ["check", "sweep", write(f"{tmp}/w.yaml", "scene: pick_cube\nepisodes: 1000000000000\naxes: {lighting: [1]}\n")], ["episodes"])
        refused(3, "empty URDF", ["check", "urdf", write(f"{tmp}/empty.urdf", "")], ["empty"])
        with open(f"{tmp}/binary.urdf", "wb") as f:
            f.write(bytes((i * 2654435761 >> 7) & 255 for i in range(4096)))
        refused(3, "binary URDF", ["check", "urdf", f"{tmp}/binary.urdf"], ["not a text file"])
        far = PICK.replace("fov: 50, resolution: [256, 256]}\n  - {name: side", "fov: 50, resolution: [256, 256], far: 1e308}\n  - {name: side")
        refused(3, "camera far 1e308", ["scene", "check", write(f"{tmp}/far.yaml", far)], ["far"])

        # 4. Memory and time bombs.
        bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10))
        refused(4, "YAML alias bomb in a manifest", ["check", "plugin", plugin(tmp, "bomb", manifest=bomb + manifest)], ["YAML nodes"], timeout=30)
        refused(4, "--action-steps 1000000000", ["eval", "--action-steps", "1000000000", "--out", f"{tmp}/o5"] + FAST, ["--action-steps"])
        refused(4, "blur radius 10^6", ["check", "perturbation", write(f"{tmp}/blur.yaml", "perturbations:\n  - name: b\n    observation: {blur: 1000000}\n")], ["blur"])
        refused(4, "time_step 1e-9", ["sim", write(f"{tmp}/ts9.yaml", PICK + "physics: {time_step: 1e-9}\n")], ["physics.time_step"])
        links = "".join(f'<link name="l{i}"><collision><geometry><box size="0.1 0.1 0.1"/></geometry></collision></link>' for i in range(1000))
        joints = "".join(f'<joint name="j{i}" type="revolute"><parent link="l{i}"/><child link="l{i + 1}"/><axis xyz="0 0 1"/><limit lower="-1" upper="1" effort="1" velocity="1"/></joint>' for i in range(999))
        refused(4, "1000-link URDF", ["check", "urdf", write(f"{tmp}/big.urdf", f'<robot name="r">{links}{joints}</robot>')], ["links"], timeout=60)

        # 5. Results lost or mixed.
        out = f"{tmp}/used"
        status, _, _ = run(["eval", "--episodes", "1", "--horizon", "2", "--out", out] + FAST)
        record(5, "first eval into --out", status == 0, f"exit {status}")
        refused(5, "eval into a used --out", ["eval", "--episodes", "1", "--horizon", "2", "--out", out] + FAST, ["--overwrite"])
        # Unwritable even for root: the folder would lie under a regular file.
        refused(5, "unwritable --out", ["eval", "--episodes", "3", "--out", f"{tmp}/secret.txt/out"] + FAST, ["not writable"])
        refused(5, "perturbation named ..", ["check", "perturbation", write(f"{tmp}/dots.yaml", "perturbations:\n  - name: '..'\n    actions: {noise: 0.1}\n")], ["name"])
        proc = subprocess.Popen([BIN, "eval", "--episodes", "200", "--horizon", "20", "--out", f"{tmp}/term"] + FAST, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 240
        while time.time() < deadline and not (os.path.exists(f"{tmp}/term/episodes.jsonl") and os.path.getsize(f"{tmp}/term/episodes.jsonl") > 0):
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=60)
        kept = json.load(open(f"{tmp}/term/results.json"))["episodes"] if os.path.exists(f"{tmp}/term/results.json") else []
        record(5, "SIGTERM mid-run keeps results.json", status == 128 + signal.SIGTERM and len(kept) >= 1, f"exit {status}, {len(kept)} episodes in results.json")

        # 6. Silent acceptance.
        robot = "  - {name: robot, embodiment: franka, position: [0.0, 0.0, 0.75]}"
        for label, text, words in [
            ("unknown embodiment", PICK.replace(robot, robot.replace("franka", "frnaka")), ["not registered"]),
            ("wrong joint count", PICK.replace(robot, "  - {name: robot, embodiment: franka, joints: [0, 0, 0]}"), ["joint positions"]),
            ("10 rad initial joint", PICK.replace(robot, "  - {name: robot, embodiment: franka, joints: [10, 0, 0, -2, 0, 2, 0.8, 0.04, 0.04]}"), ["outside"]),
            ("camera on a missing link", PICK.replace("cameras:\n", "cameras:\n  - {name: eye, mount: {robot: robot, link: hadn}}\n"), ["hadn"]),
        ]:
            refused(6, f"scene check: {label}", ["scene", "check", write(f"{tmp}/s6-{len(results)}.yaml", text)], words)
        cam = "fov: 50, resolution: [640, 480]"
        for label, a, b, key in [
            ("tcp_ofset typo", "tcp_offset:", "tcp_ofset:", "did you mean 'tcp_offset'"),
            ("fov 0", cam, "fov: 0, resolution: [640, 480]", "fov"), ("fov 180", cam, "fov: 180, resolution: [640, 480]", "fov"),
            ("fov 1000", cam, "fov: 1000, resolution: [640, 480]", "fov"), ("resolution 0", cam, "fov: 50, resolution: [0, 480]", "resolution"),
            ("negative gain", "position: 0.3,", "position: -0.3,", "motor_gains.position"),
        ]:
            refused(6, f"manifest {label}", ["check", "plugin", plugin(tmp, f"m6-{len(results)}", manifest=manifest.replace(a, b))], [key])
        for flags, key in [(["--horizon=-5"], "--horizon"), (["--action-steps", "0"], "--action-steps"), (["--episodes", "0"], "--episodes"),
                           (["--frames", "3"], "only apply with --view"), (["--workers", "2"], "only apply with --sweep")]:
            refused(6, "eval " + " ".join(flags), ["eval", "--out", f"{tmp}/o6"] + FAST + flags, [key])
        refused(6, "record --frames (scripted)", ["record", "--frames", "3", "--out", f"{tmp}/r6"], ["only applies"])
        spec = write(f"{tmp}/cam.yaml", "perturbations:\n  - name: blur\n    observation: {blur: 2, cameras: [primray]}\n")
        refused(6, "unknown camera (check perturbation)", ["check", "perturbation", spec], ["cameras[0]", "primray"])
        refused(6, "unknown camera (eval --perturb)", ["eval", "--perturb", spec, "--episodes", "1", "--out", f"{tmp}/o7"] + FAST, ["cameras[0]", "primray"])

        # 7. Physics diagnostics.
        refused(7, "blow-up names step 1", ["sim", write(f"{tmp}/boom.yaml", PICK + "physics: {gravity: [0, 0, -900000]}\n"), "--steps", "2400"], ["blew up at step 1:"])
        refused(7, "huge randomisation range", ["scene", "check", write(f"{tmp}/rand.yaml", PICK.replace("x: [-0.05, 0.05]", "x: [-1e300, 1e300]"))], ["randomize.x"])
        explode = write(f"{tmp}/explode.yaml", PICK + "physics: {gravity: [0, 0, 200]}\n")
        status, out, _ = run(["eval", explode, "--episodes", "1", "--horizon", "3", "--out", f"{tmp}/o8"] + FAST)
        ep = json.load(open(f"{tmp}/o8/results.json"))["episodes"][0] if os.path.exists(f"{tmp}/o8/results.json") else {}
        record(7, "exploding scene is not a success", isinstance(status, int) and status >= 0 and ep.get("success") is False, f"exit {status}, success {ep.get('success')}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{sum(results)}/{len(results)} cases as expected")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()

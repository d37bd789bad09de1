#!/usr/bin/env python3
"""Interoperability checks of Benchtop's dataset files against the field's tools (pyarrow, PyAV).

Run by the Swift tests (Tests/BenchtopDatasetTests) through Process. Needs: pip install pyarrow av numpy
Each sub-command prints one JSON object on stdout and exits 0, or prints the problem on stderr and exits 1.
"""
import json
import sys


def check_modules():
    missing = []
    for name in ("pyarrow", "av", "numpy"):
        try:
            __import__(name)
        except ImportError as error:
            missing.append(f"{name} ({error})")
    if missing:
        print("missing Python packages: " + " ".join(missing) + " (pip install 'pyarrow>=17' av numpy; pyarrow 22+ needs numpy 2)", file=sys.stderr)
        sys.exit(3)
    print(json.dumps({"ok": True}))


def parquet_schema(path):
    """Arrow schema, row groups, compression, key-value metadata and all values of a parquet file."""
    import pyarrow.parquet as pq
    f = pq.ParquetFile(path)
    table = f.read()
    md = f.metadata
    out = {
        "schema": {field.name: str(field.type) for field in table.schema},
        "num_rows": table.num_rows,
        "row_groups": [md.row_group(i).num_rows for i in range(md.num_row_groups)],
        "compression": sorted({md.row_group(i).column(j).compression
                               for i in range(md.num_row_groups) for j in range(md.num_columns)}),
        "metadata": {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()},
        "values": table.to_pydict(),
    }
    print(json.dumps(out))


def write_parquet(path, compression):
    """A table as pyarrow writes it by default (dictionary encoding), for Benchtop's reader to read."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    n = 50
    table = pa.table({
        "observation.state": pa.array([[float(i) + k / 8 for k in range(8)] for i in range(n)], pa.list_(pa.float32())),
        "action": pa.FixedSizeListArray.from_arrays(pa.array([float(i % 7) * 0.5 for i in range(n * 7)], pa.float32()), 7),
        "timestamp": pa.array([i / 10 for i in range(n)], pa.float32()),
        "index": pa.array(list(range(n)), pa.int64()),
        "done": pa.array([i % 3 == 0 for i in range(n)], pa.bool_()),
        "task": pa.array(["pick the cube" if i % 2 else "place it" for i in range(n)], pa.string()),
        "mean": pa.array([[[[0.5 + i]], [[0.25]], [[0.125]]] for i in range(n)], pa.list_(pa.list_(pa.list_(pa.float64())))),
    })
    pq.write_table(table, path, compression=compression, row_group_size=20)
    print(json.dumps({"rows": n}))


def video(path):
    """Every decoded frame's presentation time in seconds, the stream's codec, size and pixel format."""
    import av
    with av.open(path) as container:
        stream = container.streams.video[0]
        times = []
        first = None
        for frame in container.decode(stream):
            times.append(float(frame.pts * frame.time_base))
            if first is None:
                first = frame.to_ndarray(format="rgb24")
        out = {
            "codec": stream.codec_context.name, "width": stream.codec_context.width,
            "height": stream.codec_context.height, "pix_fmt": stream.codec_context.pix_fmt,
            "frames": len(times), "times": times,
            "first_mean_rgb": [float(first[..., c].mean()) for c in range(3)] if first is not None else None,
        }
    print(json.dumps(out))


def dataset(root):
    """Structural check of a LeRobot dataset with pyarrow and PyAV (no torch), as lerobot's loader sees it.

    Prints {"errors": [...], "episodes": n, "frames": n, "schema": {...}, "tasks": [...], "videos": {...}}.
    """
    import glob
    import os
    import av
    import pyarrow.parquet as pq
    errors = []
    info = json.load(open(os.path.join(root, "meta/info.json")))
    version = info["codebase_version"]
    fps = info["fps"]
    feats = info["features"]
    if not isinstance(fps, int) or fps <= 0:
        errors.append("fps must be a positive integer")
    defaults = {"timestamp": "float32", "frame_index": "int64", "episode_index": "int64", "index": "int64", "task_index": "int64"}
    for name, dtype in defaults.items():
        if feats.get(name, {}).get("dtype") != dtype:
            errors.append(f"default feature {name} missing or not {dtype}")
    video_keys = [k for k, f in feats.items() if f["dtype"] == "video"]
    column_keys = sorted(k for k, f in feats.items() if f["dtype"] not in ("video",))
    arrow = {"float32": "float", "float64": "double", "int64": "int64", "bool": "bool"}

    # Tasks and episodes.
    if version == "v3.0":
        t = pq.read_table(os.path.join(root, "meta/tasks.parquet"))
        pandas_meta = json.loads(t.schema.metadata[b"pandas"])
        if pandas_meta["index_columns"] != ["task"]:
            errors.append("tasks.parquet: pandas index is not the task column")
        tasks = t.column("task").to_pylist()
        if t.column("task_index").to_pylist() != list(range(len(tasks))):
            errors.append("tasks.parquet: task_index is not 0..N-1")
        try:
            import pandas  # noqa: F401
            df = t.to_pandas()
            if not all(isinstance(x, str) for x in df.index):
                errors.append("tasks.parquet: pandas index is not strings")
        except ImportError:
            pass
        ep = pq.read_table(sorted(glob.glob(os.path.join(root, "meta/episodes/*/*.parquet")))).to_pylist()
    else:
        tasks = [json.loads(l)["task"] for l in open(os.path.join(root, "meta/tasks.jsonl"))]
        ep = [json.loads(l) for l in open(os.path.join(root, "meta/episodes.jsonl"))]
        start = 0
        for e in ep:
            e["dataset_from_index"] = start
            e["dataset_to_index"] = start + e["length"]
            start += e["length"]
        stats_lines = [json.loads(l) for l in open(os.path.join(root, "meta/episodes_stats.jsonl"))]
        if [s["episode_index"] for s in stats_lines] != list(range(len(ep))):
            errors.append("episodes_stats.jsonl does not list episodes 0..N-1")
    if len(tasks) != info["total_tasks"]:
        errors.append(f"total_tasks {info['total_tasks']} != {len(tasks)}")
    if [e["episode_index"] for e in ep] != list(range(len(ep))):
        errors.append("episode rows are not 0..N-1 in order")
    if len(ep) != info["total_episodes"]:
        errors.append(f"total_episodes {info['total_episodes']} != {len(ep)}")

    # Data files: every parquet under data/*/ is loaded, in glob order.
    files = sorted(glob.glob(os.path.join(root, "data/*/*.parquet")))
    schema = {}
    index = []
    rows = []
    for f in files:
        table = pq.read_table(f)
        schema = {field.name: str(field.type) for field in table.schema}
        if sorted(schema) != column_keys:
            errors.append(f"{f}: columns {sorted(schema)} != declared {column_keys}")
        for k in column_keys:
            ft = feats[k]
            expected = arrow.get(ft["dtype"], ft["dtype"])
            if ft["shape"] != [1]:
                expected = f"list<element: {expected}>"
            if schema.get(k) != expected:
                errors.append(f"{f}: column {k} is {schema.get(k)}, expected {expected}")
            elif ft["shape"] != [1] and any(len(v) != ft["shape"][0] for v in table.column(k).to_pylist()):
                errors.append(f"{f}: column {k} has rows of the wrong length")
        rows.extend(table.select(["index", "episode_index", "frame_index", "timestamp", "task_index"]).to_pylist())
    index = [r["index"] for r in rows]
    if index != list(range(len(index))):
        errors.append("global index is not contiguous 0..N-1 in glob order")
    if len(rows) != info["total_frames"]:
        errors.append(f"total_frames {info['total_frames']} != {len(rows)} rows")
    for r in rows:
        e = ep[r["episode_index"]]
        if r["frame_index"] != r["index"] - e["dataset_from_index"]:
            errors.append(f"row {r['index']}: frame_index {r['frame_index']} inconsistent")
            break
        if abs(r["timestamp"] - r["frame_index"] / fps) > 1e-4:
            errors.append(f"row {r['index']}: timestamp {r['timestamp']} != frame_index/fps")
            break
        if not 0 <= r["task_index"] < len(tasks):
            errors.append(f"row {r['index']}: task_index out of range")
            break

    # Videos: exactly `length` frames at from + k/fps.
    videos = {}
    for e in ep:
        i = e["episode_index"]
        for key in video_keys:
            if version == "v3.0":
                path = os.path.join(root, f"videos/{key}/chunk-{e[f'videos/{key}/chunk_index']:03d}/file-{e[f'videos/{key}/file_index']:03d}.mp4")
                start = e[f"videos/{key}/from_timestamp"]
            else:
                path = os.path.join(root, f"videos/chunk-{i // info['chunks_size']:03d}/{key}/episode_{i:06d}.mp4")
                start = 0.0
            if not os.path.exists(path):
                errors.append(f"missing video {path}")
                continue
            with av.open(path) as c:
                s = c.streams.video[0]
                times = [float(fr.pts * fr.time_base) for fr in c.decode(s)]
                shape = [s.codec_context.height, s.codec_context.width, 3]
                pix = s.codec_context.pix_fmt
            length = e["dataset_to_index"] - e["dataset_from_index"]
            if len(times) != length:
                errors.append(f"{path}: {len(times)} frames, episode has {length}")
            for k in range(min(len(times), length)):
                if abs(times[k] - (start + k / fps)) > 1e-4:
                    errors.append(f"{path}: frame {k} at {times[k]}, expected {start + k / fps}")
                    break
            if shape != feats[key]["shape"] or pix != "yuv420p":
                errors.append(f"{path}: {shape} {pix}, expected {feats[key]['shape']} yuv420p")
            videos[f"{i}/{key}"] = len(times)

    # Global stats.
    stats = json.load(open(os.path.join(root, "meta/stats.json")))
    for k, f in feats.items():
        s = stats.get(k)
        if s is None:
            errors.append(f"stats.json: no entry for {k}")
            continue
        keys = ["min", "max", "mean", "std", "count"] + (["q01", "q10", "q50", "q90", "q99"] if version == "v3.0" else [])
        for sk in keys:
            if sk not in s:
                errors.append(f"stats.json: {k} lacks {sk}")
        if f["dtype"] == "video":
            import numpy as np
            if np.array(s["mean"]).shape != (3, 1, 1):
                errors.append(f"stats.json: {k} mean is not (3, 1, 1)")
        if s.get("count") != [info["total_frames"]]:
            errors.append(f"stats.json: {k} count {s.get('count')} != [{info['total_frames']}]")
    print(json.dumps({"errors": errors, "episodes": len(ep), "frames": len(rows), "schema": schema,
                      "tasks": tasks, "videos": videos}))


def corrupt(root, kind):
    """Breaks a valid dataset in one way LeRobot's loader (or a trainer) fails on."""
    import glob
    import os
    import pyarrow as pa
    import pyarrow.parquet as pq
    info_path = os.path.join(root, "meta/info.json")
    info = json.load(open(info_path))
    if kind == "video-path-outside":
        info["video_path"] = "../elsewhere/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
        json.dump(info, open(info_path, "w"), indent=2)
    elif kind == "nan-action":
        path = sorted(glob.glob(os.path.join(root, "data/*/*.parquet")))[0]
        table = pq.read_table(path)
        actions = table.column("action").to_pylist()
        actions[1][0] = float("nan")
        column = pa.array(actions, table.schema.field("action").type)
        table = table.set_column(table.schema.get_field_index("action"), "action", column)
        pq.write_table(table, path)
    elif kind == "tasks-no-index":
        path = os.path.join(root, "meta/tasks.parquet")
        table = pq.read_table(path).replace_schema_metadata(None)
        pq.write_table(table, path)
    else:
        print("unknown corruption " + kind, file=sys.stderr)
        sys.exit(2)
    print(json.dumps({"ok": True}))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "check":
        check_modules()
    elif command == "parquet":
        parquet_schema(sys.argv[2])
    elif command == "write-parquet":
        write_parquet(sys.argv[2], sys.argv[3])
    elif command == "dataset":
        dataset(sys.argv[2])
    elif command == "corrupt":
        corrupt(sys.argv[2], sys.argv[3])
    elif command == "video":
        video(sys.argv[2])
    else:
        print("unknown command " + command, file=sys.stderr)
        sys.exit(2)

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


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "check":
        check_modules()
    elif command == "parquet":
        parquet_schema(sys.argv[2])
    elif command == "write-parquet":
        write_parquet(sys.argv[2], sys.argv[3])
    elif command == "video":
        video(sys.argv[2])
    else:
        print("unknown command " + command, file=sys.stderr)
        sys.exit(2)

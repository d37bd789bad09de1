"""LeRobot's side of the SO leader interop test: writes a calibration file the way LeRobot 0.6.1's
Teleoperator._save_calibration does (draccus, JSON, indent 4), loads it back as _load_calibration does, and
normalises raw Present_Position readings with MotorsBus._normalize (SOLeader's motors, use_degrees=True).

usage: python lerobot_calibration.py OUT.json '{"motor": [id, drive_mode, homing_offset, min, max], ...}' '{"id": raw}'
prints {"normalized": {"id": value}}
"""
import json
import sys

import draccus
from lerobot.motors.feetech import tables
from lerobot.motors.motors_bus import Motor, MotorCalibration, MotorNormMode, MotorsBus

path, spec, raw = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
calibration = {
    name: MotorCalibration(id=v[0], drive_mode=v[1], homing_offset=v[2], range_min=v[3], range_max=v[4])
    for name, v in spec.items()
}
with open(path, "w") as f, draccus.config_type("json"):
    draccus.dump(calibration, f, indent=4)
with open(path) as f, draccus.config_type("json"):
    loaded = draccus.load(dict[str, MotorCalibration], f)

# SOLeader's motors with use_degrees=True. The bus is built without a serial port: only the attributes that
# MotorsBus.__init__ sets and _normalize reads (pyserial is not needed for the arithmetic).
motors = {
    name: Motor(c.id, "sts3215", MotorNormMode.RANGE_0_100 if name == "gripper" else MotorNormMode.DEGREES)
    for name, c in loaded.items()
}


class Bus(MotorsBus):
    model_resolution_table = tables.MODEL_RESOLUTION
    apply_drive_mode = True


Bus.__abstractmethods__ = frozenset()
bus = Bus.__new__(Bus)
bus.motors = motors
bus.calibration = loaded
bus._id_to_model_dict = {m.id: m.model for m in motors.values()}
bus._id_to_name_dict = {m.id: name for name, m in motors.items()}
normalized = bus._normalize({int(k): v for k, v in raw.items()})
print(json.dumps({"normalized": {str(k): v for k, v in normalized.items()}}))

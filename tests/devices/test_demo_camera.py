"""The demo's simulated camera: generated frames in a folder the real camera pipeline loops over."""

from __future__ import annotations

import time
from pathlib import Path

from device_testkit import Recorder

from devices.base import DeviceState
from devices.config import parse_devices_config
from devices.scanners.camera import CameraScanner
from devices.simulated import DemoCamera


def test_a_card_held_up_is_read_once_and_again_after_it_was_taken_away(
        tmp_path: Path, recorder: Recorder) -> None:
    """GIVEN the demo camera configured as the app's demo configures it WHEN a card is held
    up THEN the pipeline reads it once while it stays in view; taken away and shown again
    after the repeat window, it is read again; another card replaces it."""
    demo = DemoCamera(tmp_path / "camera")
    config = parse_devices_config({"devices": {"camera": demo.config(max_fps=30.0)}}).camera
    assert config is not None and not isinstance(config, Exception)
    camera = CameraScanner(config, recorder.on_code, recorder.on_status)
    camera.start()
    try:
        ready = recorder.wait_state(DeviceState.READY, timeout=10)
        assert "camera" in ready.reason
        time.sleep(0.5)
        assert recorder.codes == []  # an empty counter: nothing is read
        demo.show("880000000013")
        assert recorder.wait_codes(1, timeout=10) == ["880000000013"]
        time.sleep(config.repeat_window_s / 2)
        assert recorder.codes == ["880000000013"]  # still in view: not read twice
        demo.hide()
        time.sleep(config.repeat_window_s + 0.5)
        demo.show("880000000013")
        recorder.wait_codes(2, timeout=10)
        demo.show("880000000021")
        assert recorder.wait_codes(3, timeout=10) == ["880000000013"] * 2 + ["880000000021"]
        assert camera.status.state is DeviceState.READY  # looping: never "end of file"
    finally:
        camera.stop()
    assert not list((tmp_path / "camera").glob("*.part"))

"""Building devices from the terminal's TOML config, describing them, the test receipt."""

from __future__ import annotations

import json
import socket
import tomllib
from pathlib import Path

from device_testkit import wait_for

from devices.base import DeviceState, DeviceStatus
from devices.config import ConfigError, parse_devices_config
from devices.printing.big5 import FS_KANJI_OFF, FS_KANJI_ON
from devices.printing.receipt import sample_receipt
from devices.registry import build_devices, describe_devices, print_test_receipt, probe_devices
from devices.simulated import PtyScanner, write_demo_video


def config_from(text: str) -> dict[str, object]:
    return tomllib.loads(text)


def test_a_full_config_builds_running_devices_and_describes_them(tmp_path: Path) -> None:
    video = write_demo_video(tmp_path / "cam.avi", ["M:42"], frames_per_code=4, blank_frames=2)
    codes: list[str] = []
    statuses: list[tuple[str, DeviceStatus]] = []
    with PtyScanner(tmp_path / "scanner") as pty:
        config = config_from(f"""
            [devices.scanner]
            port = "{pty.port}"
            baudrate = 115200
            terminator = "CR"
            [devices.wedge]
            min_length = 8
            [devices.camera]
            source = "{video}"
            max_fps = 0
            loop = true
            [devices.printer]
            transport = "file"
            path = "{tmp_path / 'printer.bin'}"
            preview_dir = "{tmp_path / 'previews'}"
            paper_mm = 58
        """)
        devices = build_devices(config, codes.append, lambda n, s: statuses.append((n, s)))
        devices.start()
        try:
            assert wait_for(lambda: all(s.ok for s in devices.statuses().values()))
            pty.type_code("8860123456781234")
            assert wait_for(lambda: {"8860123456781234", "M:42"} <= set(codes))
            described = describe_devices(devices)
            assert devices.print_receipt(sample_receipt()) == 1
            assert devices.printer is not None and devices.printer.wait_idle(5)
            assert devices.reprint_last() == 2
            assert devices.printer.wait_idle(5)
        finally:
            devices.stop()
    json.dumps(described)  # JSON-ready
    assert [(d["name"], d["kind"], d["state"]) for d in described] == [
        ("scanner", "serial-scanner", "ready"),
        ("wedge", "keyboard-wedge", "ready"),
        ("camera", "camera", "ready"),
        ("printer", "receipt-printer", "ready"),
    ]
    assert described[0]["config"]["baudrate"] == 115200
    assert described[3]["config"]["paper_mm"] == 58
    assert {name for name, _ in statuses} == {"scanner", "camera", "printer"}
    after = devices.statuses()
    assert [after[n].state for n in ("scanner", "camera", "printer")] == [DeviceState.STOPPED] * 3
    assert len(list((tmp_path / "previews").glob("*.png"))) == 2
    assert (tmp_path / "printer.bin").read_bytes().count(FS_KANJI_ON + "好咖啡".encode("big5")) == 2


def test_a_bad_section_disables_that_device_only_with_the_reason() -> None:
    config = config_from("""
        [devices.scanner]
        port = "loop://"
        baudrate = "fast"
        [devices.printer]
        transport = "dummy"
        [devices.camera]
        enabled = false
    """)
    parsed = parse_devices_config(config)
    assert isinstance(parsed.scanner, ConfigError)
    devices = build_devices(config)
    devices.start()
    try:
        assert wait_for(lambda: devices.printer is not None and devices.printer.status.ok)
        described = {d["name"]: d for d in describe_devices(devices)}
    finally:
        devices.stop()
    assert described["scanner"]["state"] == "error"
    assert described["scanner"]["reason"] == (
        "[devices.scanner] baudrate must be int, got 'fast'")
    assert described["camera"]["state"] == "disabled"
    assert described["printer"]["state"] == "ready"


def test_config_errors_name_the_key() -> None:
    cases = {
        "[devices.printer]\ntransport = \"usb\"": "usb_vendor_id is required",
        "[devices.printer]\npaper_mm = 76": "paper_mm must be 58 or 80",
        "[devices.printer]\ntext_mode = \"utf8\"": "text_mode must be one of big5, image",
        "[devices.camera]\ndecoder = \"zbar\"": "decoder must be one of zxing, pyzbar",
        "[devices.camera]\nsource = true": "source must be a camera index or a path",
        "[devices.scanner]\nport = \"loop://\"\nspeed = 9600": "unknown key(s): speed",
        "[devices.scanner]\nbaudrate = 9600": "port is required",
        "[devices.wedge]\nmin_length = 0": "min_length must be at least 1",
    }
    for text, message in cases.items():
        parsed = parse_devices_config(config_from(text))
        errors = [v for v in (parsed.scanner, parsed.wedge, parsed.camera, parsed.printer)
                  if isinstance(v, ConfigError)]
        assert len(errors) == 1 and message in str(errors[0]), (text, errors)


def test_unknown_printer_profile_is_an_error_status() -> None:
    devices = build_devices(config_from('[devices.printer]\nprofile = "TM-9000"'))
    [described] = describe_devices(devices)
    assert described["state"] == "error" and "TM-9000" in described["reason"]


def test_probe_reports_missing_hardware(tmp_path: Path) -> None:
    config = config_from(f"""
        [devices.scanner]
        port = "{tmp_path / 'ttyACM9'}"
        [devices.camera]
        source = "{tmp_path / 'no-camera.avi'}"
    """)
    described = {d["name"]: d for d in probe_devices(config, settle_s=3)}
    assert described["scanner"]["state"] == "missing"
    assert "ttyACM9" in described["scanner"]["reason"]
    assert described["camera"]["state"] == "missing"


def test_print_test_receipt_to_a_file_with_a_preview(tmp_path: Path) -> None:
    out = tmp_path / "receipt.bin"
    result = print_test_receipt(config_from(f"""
        [devices.printer]
        transport = "file"
        path = "{out}"
        preview_dir = "{tmp_path}"
    """))
    assert result["printed"] is True and result["state"] == "ready"
    data = out.read_bytes()
    assert len(data) == result["bytes"]
    assert FS_KANJI_ON + "好咖啡".encode("big5") + FS_KANJI_OFF in data
    assert result["preview"] and Path(result["preview"]).is_file()


def test_print_test_receipt_never_raises() -> None:
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    result = print_test_receipt(config_from(f"""
        [devices.printer]
        transport = "network"
        host = "127.0.0.1"
        port = {port}
    """))
    assert result["printed"] is False and result["state"] == "missing"
    assert "not reachable" in result["reason"]
    assert print_test_receipt({})["state"] == "disabled"

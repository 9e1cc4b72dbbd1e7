"""Simulated devices for the demo and the tests: real parts, no hardware.

- ``PtyScanner``: a pseudo-terminal pair. The terminal's SerialScanner opens ``port`` (the
  slave side, or a stable symlink to it); codes typed into the master arrive as from a real
  serial scanner. ``unplug()`` closes the master, as pulling the cable does.
- Code images (QR, EAN-13, Code 128) and a video file of them for the camera.
- ``DemoCamera``: an image folder the camera pipeline loops over (``[devices.camera]
  source = folder, loop = true``): an empty counter, and while a card is held up
  (:meth:`DemoCamera.show`), frames of its QR code; the read goes through the real
  decode-and-confirm pipeline like a real camera's.
- The simulated printer is ``[devices.printer] transport = "file"`` or ``"dummy"`` with
  ``preview_dir`` set: the ESC/POS bytes are kept and every receipt is also saved as a PNG.

From a shell: ``python -m devices.simulated scanner --link /tmp/loyalty-scanner`` (then type
codes, one per line) and ``python -m devices.simulated video demo.avi 8860123456781234 …``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tty
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import qrcode
from PIL import Image

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Frame = NDArray[np.uint8]


class PtyScanner:
    """A serial scanner made of a pty pair (Linux/macOS)."""

    def __init__(self, link: str | Path | None = None, terminator: bytes = b"\r") -> None:
        self.terminator = terminator
        self.link = Path(link) if link is not None else None
        self._master = -1
        self._slave = -1
        self.slave_name = ""
        self.plug_in()

    @property
    def port(self) -> str:
        """The path to configure as ``[devices.scanner] port``."""
        return str(self.link) if self.link is not None else self.slave_name

    @property
    def plugged_in(self) -> bool:
        return self._master >= 0

    def plug_in(self) -> None:
        """A new pty (a new /dev/pts/N, as after a real re-plug); the link follows it."""
        if self.plugged_in:
            return
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no CR→LF translation before a reader sets its mode
        self.slave_name = os.ttyname(self._slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(self.slave_name)
            tmp.replace(self.link)

    def write(self, data: bytes) -> None:
        if not self.plugged_in:
            raise OSError("the simulated scanner is unplugged")
        view = memoryview(data)
        while view:
            written = os.write(self._master, view)
            view = view[written:]

    def type_code(self, code: str, pieces: int = 1, pause_s: float = 0.0) -> None:
        """Send ``code`` plus the terminator, split into ``pieces`` writes ``pause_s`` apart."""
        data = code.encode() + self.terminator
        size = max(1, -(-len(data) // pieces))
        for start in range(0, len(data), size):
            self.write(data[start:start + size])
            if pause_s:
                time.sleep(pause_s)

    def unplug(self) -> None:
        """Close both ends: the reader sees the port vanish, as when the cable is pulled."""
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def close(self) -> None:
        self.unplug()
        if self.link is not None:
            self.link.unlink(missing_ok=True)

    def __enter__(self) -> PtyScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- code images ---------------------------------------------------------------------------------
def qr_image(text: str, box_size: int = 6, border: int = 4) -> Image.Image:
    code = qrcode.QRCode(box_size=box_size, border=border)
    code.add_data(text)
    code.make(fit=True)
    image: Image.Image = code.make_image().get_image().convert("L")
    return image


def barcode_image(kind: str, text: str, module_px: int = 3, height_px: int = 120) -> Image.Image:
    """A 1-D barcode ("ean13" or "code128") drawn by python-barcode (a python-escpos dependency).

    For EAN-13 give 12 digits (the check digit is added) or 13 with a valid check digit.
    """
    import barcode  # type: ignore[import-untyped]
    from barcode.writer import ImageWriter  # type: ignore[import-untyped]

    writer = ImageWriter()
    symbol = barcode.get(kind, text, writer=writer)
    image: Image.Image = symbol.render({
        "module_width": module_px * 25.4 / writer.dpi, "module_height": height_px * 25.4
        / writer.dpi, "quiet_zone": 10 * module_px * 25.4 / writer.dpi, "write_text": False,
    })
    return image.convert("L")


def ean13_full(digits12: str) -> str:
    """The 13-digit EAN for 12 digits (appends the check digit)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return digits12 + str((10 - total % 10) % 10)


def scene(code: Image.Image | None, size: tuple[int, int] = (1280, 720),
          at: tuple[int, int] | None = None, seed: int = 0) -> Frame:
    """A BGR camera-like frame (textured grey background) with ``code`` pasted at ``at``."""
    import cv2
    import numpy as np

    width, height = size
    rng = np.random.default_rng(seed)
    noise = rng.normal(150, 25, (height, width)).clip(0, 255).astype(np.uint8)
    background: Any = cv2.GaussianBlur(noise, (0, 0), 4)
    if code is not None:
        patch = np.asarray(code.convert("L"))
        h, w = patch.shape
        x, y = at if at is not None else ((width - w) // 2, (height - h) // 2)
        background[y:y + h, x:x + w] = patch
    frame: Frame = cv2.cvtColor(background, cv2.COLOR_GRAY2BGR)
    return frame


def write_video(path: str | Path, frames: Sequence[Frame], fps: float = 15.0) -> Path:
    """Write BGR frames to a video file (MJPG in .avi is always available in OpenCV)."""
    import cv2

    path = Path(path)
    height, width = frames[0].shape[:2]
    fourcc = cv2.VideoWriter.fourcc(*"MJPG")
    writer = cv2.VideoWriter(str(path), fourcc, fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write {path}")
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()
    return path


def write_demo_video(path: str | Path, codes: Sequence[str], frames_per_code: int = 10,
                     blank_frames: int = 10, size: tuple[int, int] = (1280, 720)) -> Path:
    """A video showing each code as a QR for ``frames_per_code`` frames, blanks between."""
    frames: list[Frame] = []
    for index, code in enumerate(codes):
        frames += [scene(None, size, seed=index)] * blank_frames
        frames += [scene(qr_image(code), size, seed=index)] * frames_per_code
    frames += [scene(None, size)] * blank_frames
    return write_video(path, frames)


class DemoCamera:
    """A simulated camera: a folder of generated frames that ``CameraScanner`` loops over.

    The folder always holds a few frames of an empty counter; :meth:`show` adds frames of a
    card's QR code (sorted after them, so each pass shows the card in consecutive frames),
    :meth:`hide` takes them away. The pipeline reads a card once and keeps it suppressed
    while it stays in view; after :meth:`hide` and the repeat window, it can be read again.
    Files are written under a temporary name and renamed, so a pass never sees half a PNG.
    """

    BLANK_FRAMES = 4
    CARD_FRAMES = 3

    def __init__(self, folder: str | Path, size: tuple[int, int] = (640, 360)) -> None:
        self.folder = Path(folder)
        self.size = size
        self.folder.mkdir(parents=True, exist_ok=True)
        self.hide()
        for index in range(self.BLANK_FRAMES):
            self._write(f"0-counter-{index}.png", scene(None, size, seed=index))

    def config(self, max_fps: float = 10.0) -> dict[str, Any]:
        """The ``[devices.camera]`` table that points the camera pipeline at this folder."""
        return {"source": str(self.folder), "loop": True, "max_fps": max_fps,
                "repeat_window_s": 2.0}

    def show(self, code: str) -> None:
        """Hold ``code`` (a card number, a voucher, a phone code) up to the camera as a QR."""
        self.hide()
        frame = scene(qr_image(code), self.size)
        for index in range(self.CARD_FRAMES):
            self._write(f"1-card-{index}.png", frame)

    def hide(self) -> None:
        for path in self.folder.glob("1-card-*.png"):
            path.unlink(missing_ok=True)

    def _write(self, name: str, frame: Frame) -> None:
        import cv2

        ok, encoded = cv2.imencode(".png", frame)
        if not ok:
            raise OSError(f"cannot encode {name}")
        temporary = self.folder / f".{name}.part"  # not an image suffix: never read half-done
        temporary.write_bytes(encoded.tobytes())
        os.replace(temporary, self.folder / name)


# -- command line ---------------------------------------------------------------------------------
def _scanner_main(link: str | None, terminator: bytes) -> int:
    with PtyScanner(link, terminator) as scanner:
        print(f"simulated scanner on {scanner.port}: set [devices.scanner] port = "
              f"\"{scanner.port}\"; type a code and press Enter (Ctrl-D quits)", flush=True)
        for line in sys.stdin:
            if line.strip():
                scanner.type_code(line.strip())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devices.simulated")
    sub = parser.add_subparsers(dest="command", required=True)
    scan = sub.add_parser("scanner", help="a pty-backed serial scanner fed from stdin")
    scan.add_argument("--link", help="a stable path (symlink) to the pty, e.g. /tmp/scanner")
    scan.add_argument("--terminator", default="\r", help="sent after each code (default CR)")
    video = sub.add_parser("video", help="write a video of QR codes for the camera")
    video.add_argument("output")
    video.add_argument("codes", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "scanner":
        return _scanner_main(args.link, args.terminator.encode())
    print(write_demo_video(args.output, args.codes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

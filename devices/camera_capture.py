"""Where camera frames come from: a camera, a video file or a sequence of images.

A video file or an image folder/glob stands in for a camera in the demo and the tests.
OpenCV is imported lazily, so a missing OpenCV is a MISSING status rather than a crash.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from devices.base import DeviceMissing

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Frame = NDArray[np.uint8]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp"}


class FrameSource(Protocol):
    description: str
    finite: bool  # True for files: the end of the source is not an unplug

    def read(self) -> Frame | None:
        """The next BGR or grayscale frame; None at the end of a file or when a camera is lost."""

    def close(self) -> None: ...


def import_cv2() -> Any:
    try:
        import cv2
    except ImportError as exc:
        raise DeviceMissing(
            f"OpenCV is not installed ({exc}); pip install opencv-python-headless"
        ) from exc
    return cv2


class VideoCaptureSource:
    """``cv2.VideoCapture`` on a camera index or a video file."""

    def __init__(self, source: int | str, width: int = 1280, height: int = 720) -> None:
        cv2 = import_cv2()
        self.finite = isinstance(source, str)
        if isinstance(source, str):
            if not Path(source).is_file():
                raise DeviceMissing(f"video file {source} not found")
            self.description = f"video file {source}"
            self._capture: Any = cv2.VideoCapture(source)
        else:
            self.description = f"camera {source}"
            self._capture = cv2.VideoCapture(source)
            if self._capture.isOpened():
                self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
                self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        if not self._capture.isOpened():
            self._capture.release()
            raise DeviceMissing(f"cannot open {self.description}")

    def read(self) -> Frame | None:
        ok, frame = self._capture.read()
        return frame if ok else None

    def close(self) -> None:
        self._capture.release()


class ImageSequenceSource:
    """The images of a folder (sorted by name) or of a glob pattern, one per frame."""

    def __init__(self, pattern: str) -> None:
        self._cv2 = import_cv2()
        self.finite = True
        self.description = f"images {pattern}"
        if Path(pattern).is_dir():
            paths = [p for p in Path(pattern).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
        else:
            paths = [Path(p) for p in glob.glob(pattern)]
        self._paths = sorted(paths)
        if not self._paths:
            raise DeviceMissing(f"no images at {pattern}")
        self._next = 0

    def read(self) -> Frame | None:
        while self._next < len(self._paths):
            path = self._paths[self._next]
            self._next += 1
            frame: Frame | None = self._cv2.imread(str(path), self._cv2.IMREAD_UNCHANGED)
            if frame is not None:
                return frame
        return None

    def close(self) -> None:
        self._next = len(self._paths)


def open_source(source: int | str, width: int = 1280, height: int = 720) -> FrameSource:
    """Open a camera index, a video file, an image folder or a glob; raises DeviceMissing."""
    if isinstance(source, int):
        return VideoCaptureSource(source, width, height)
    if source.isdigit():
        return VideoCaptureSource(int(source), width, height)
    if Path(source).is_dir() or any(ch in source for ch in "*?["):
        return ImageSequenceSource(source)
    return VideoCaptureSource(source, width, height)

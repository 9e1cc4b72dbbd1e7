"""Camera scanner: frames → grayscale → downscaled → decoded → confirmed → ``on_code``.

A 1-D read with a weak check (EAN/UPC, Code 39) counts only if the decoder's cross-check, a
second and independent decode of its region, reads the same text: zxing-cpp returns wrong
EAN-13s with a valid check digit on some blurred frames, and a misread caused by the barcode's
geometry repeats on the next frame. A code is then accepted only after ``confirm_reads``
identical consecutive reads (against one-frame misreads). A code stays suppressed while it
keeps being seen, and until it has been out of view for ``repeat_window_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from devices.base import (
    Backoff,
    DeviceMissing,
    DeviceState,
    OnCode,
    OnStatus,
    ThreadedDevice,
    call_safely,
    ignore_code,
)
from devices.camera_capture import FrameSource, import_cv2, open_source
from devices.config import CameraConfig
from devices.decoders import Decoded, Decoder, make_decoder

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Frame = NDArray[np.uint8]

Clock = Callable[[], float]


class ReadConfirmer:
    """Turns per-frame reads into accepted codes: N identical reads in a row, no repeats."""

    def __init__(self, confirm_reads: int = 2, repeat_window_s: float = 3.0) -> None:
        self.confirm_reads = confirm_reads
        self.repeat_window_s = repeat_window_s
        self._streaks: dict[str, int] = {}
        self._accepted_seen: dict[str, float] = {}  # accepted code → last time it was seen

    def offer(self, texts: set[str], now: float) -> list[str]:
        """The codes read in one frame at time ``now``; returns the codes to accept."""
        self._streaks = {t: self._streaks.get(t, 0) + 1 for t in texts}
        self._forget_old(now)
        accepted = []
        for text in sorted(texts):
            confirmed_now = self._streaks[text] == self.confirm_reads
            if confirmed_now and text not in self._accepted_seen:
                accepted.append(text)
            if confirmed_now or text in self._accepted_seen:
                self._accepted_seen[text] = now  # keeps a code in view suppressed
        return accepted

    def _forget_old(self, now: float) -> None:
        self._accepted_seen = {
            t: seen for t, seen in self._accepted_seen.items()
            if now - seen < self.repeat_window_s
        }


class FramePipeline:
    """Grayscale, decode, confirm. No thread, no camera.

    QR codes are decoded on the frame downscaled to ``max_side`` (faster, and averaging the
    pixels also averages sensor noise away); 1-D barcodes always at full resolution, because
    shrinking their narrow bars makes zxing-cpp misread EAN-13s (with a valid check digit).
    ``max_side = 0``: everything at full resolution in one pass.
    """

    def __init__(self, decoder: Decoder, max_side: int = 960,
                 confirmer: ReadConfirmer | None = None) -> None:
        self.decoder = decoder
        self.max_side = max_side
        self.confirmer = confirmer or ReadConfirmer()
        self._cv2: Any = import_cv2()

    def gray(self, frame: Frame) -> Frame:
        if frame.ndim == 2:
            return frame
        cv2 = self._cv2
        code = cv2.COLOR_BGRA2GRAY if frame.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        gray: Frame = cv2.cvtColor(frame, code)
        return gray

    def downscaled(self, gray: Frame) -> Frame:
        longest = max(gray.shape[:2])
        if not self.max_side or longest <= self.max_side:
            return gray
        scale = self.max_side / longest
        small: Frame = self._cv2.resize(gray, None, fx=scale, fy=scale,
                                        interpolation=self._cv2.INTER_LINEAR)
        return small

    def read(self, frame: Frame, cross_check: bool = True) -> list[Decoded]:
        """Decode one frame: the reads that pass the decoder's cross-check (all of them with
        ``cross_check=False``), before the consecutive-reads confirmation."""
        gray = self.gray(frame)
        small = self.downscaled(gray)
        if small is gray:
            return self._checked(gray, self.decoder.decode(gray, "all"), cross_check)
        linear = self._checked(gray, self.decoder.decode(gray, "linear"), cross_check)
        return self.decoder.decode(small, "matrix") + linear

    def _checked(self, gray: Frame, found: list[Decoded], cross_check: bool) -> list[Decoded]:
        if not cross_check:
            return found
        return [d for d in found if self.decoder.cross_check(gray, d)]

    def process(self, frame: Frame, now: float) -> list[str]:
        """Decode one frame and return the codes accepted by it."""
        return self.confirmer.offer({d.text for d in self.read(frame)}, now)


SourceOpener = Callable[[CameraConfig], FrameSource]


def open_configured_source(config: CameraConfig) -> FrameSource:
    return open_source(config.source, config.width, config.height)


class CameraScanner(ThreadedDevice):
    def __init__(
        self,
        config: CameraConfig,
        on_code: OnCode | None = None,
        on_status: OnStatus | None = None,
        *,
        opener: SourceOpener = open_configured_source,
        decoder_factory: Callable[[str], Decoder] = make_decoder,
        clock: Clock = time.monotonic,
        name: str = "camera",
    ) -> None:
        super().__init__(name, "camera", on_status)
        self.config = config
        self._on_code = on_code or ignore_code
        self._opener = opener
        self._decoder_factory = decoder_factory
        self._clock = clock
        self.frames_read = 0

    def describe(self) -> dict[str, Any]:
        return {"source": self.config.source, "decoder": self.config.decoder,
                "max_side": self.config.max_side}

    def _run(self) -> None:
        try:
            decoder = self._decoder_factory(self.config.decoder)
            pipeline = FramePipeline(
                decoder, self.config.max_side,
                ReadConfirmer(self.config.confirm_reads, self.config.repeat_window_s),
            )
        except DeviceMissing as exc:
            self._status.set(DeviceState.MISSING, str(exc))
            return
        backoff = Backoff(0.5, 10.0)
        ever_opened = False
        while not self._stopping.is_set():
            try:
                source = self._opener(self.config)
            except DeviceMissing as exc:
                delay = backoff.next_delay()
                state = DeviceState.DISCONNECTED if ever_opened else DeviceState.MISSING
                self._status.set(state, f"{exc}; retrying in {delay:g} s")
                self._stopping.wait(delay)
                continue
            ever_opened = True
            backoff.reset()
            self._status.set(DeviceState.READY, source.description)
            try:
                ended = self._stream(source, pipeline)
            finally:
                source.close()
            if ended and source.finite:
                if self.config.loop:
                    continue
                self._status.set(DeviceState.DISCONNECTED, f"end of {source.description}")
                return
            if ended:
                self._status.set(DeviceState.DISCONNECTED,
                                 f"{source.description} stopped sending frames; reconnecting")
                self._stopping.wait(backoff.next_delay())

    def _stream(self, source: FrameSource, pipeline: FramePipeline) -> bool:
        """Read and decode until stopped (False) or the source ends (True)."""
        period = 1.0 / self.config.max_fps if self.config.max_fps > 0 else 0.0
        while not self._stopping.is_set():
            started = self._clock()
            frame = source.read()
            if frame is None:
                return True
            self.frames_read += 1
            for code in pipeline.process(frame, self._clock()):
                call_safely(self._on_code, code)
            if period:
                self._stopping.wait(max(0.0, period - (self._clock() - started)))
        return False

"""Device layer: scanners, camera, receipt printer.

Qt-free drivers, one thread per device. Results reach the caller through plain callbacks
(``on_code(str)``, ``on_status(DeviceStatus)``) called on the device's own thread; the UI
bridges them to signals. Start with :mod:`devices.registry`.
"""

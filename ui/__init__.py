"""The PySide6 cashier and manager app (the composition root is :mod:`ui.app`)."""

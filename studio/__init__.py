"""Feedforward Studio: the Qt application and the command line on top of core/."""

from studio.qtfix import pin_none as _pin_none

_pin_none()  # PySide6 6.12 on Python 3.11 over-releases None; see studio/qtfix.py

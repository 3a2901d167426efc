"""Feedforward Studio: the Qt application and the command line on top of core/."""

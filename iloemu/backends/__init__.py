"""Backends own a server's state; ``fake`` now, a qemu one can follow."""

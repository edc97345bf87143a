"""Backends own a server's state: ``fake`` (state only), ``qemu`` (a VM)."""

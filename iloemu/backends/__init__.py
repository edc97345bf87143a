"""Backends own a server's state: ``base`` (the interface), ``fake``.

Other backends plug in from outside (realboot's qemu backend): a caller
hands ``IloFleet.add`` a backend or a factory; iloemu imports none.
"""

"""The benchmark: iLO round trips and wall time of the UEFI iSCSI boot path.

It drives ``prepare_instance`` and ``clean_up_instance`` of nodes that
boot from an iSCSI volume through emulated iLOs, once in the venv of
ironic 9.1.6 + this series and once in the venv of ironic 10.1.7 as
released, and compares the two.

* :mod:`benchmark.scenarios`: what is run (no ironic here);
* :mod:`benchmark.driver`: runs scenarios in one variant's venv (ironic,
  proliantutils, emulated iLOs); ``python -m benchmark`` is its command;
* :mod:`benchmark.report`: medians, ratios, the checks and the tables
  (no ironic here: ``./wb bench`` uses it from the workbench's Python).

Nothing is imported here, so that ``python -m benchmark`` can monkey
patch with eventlet (``import ironic.cmd``) before anything else runs.
"""

"""The main job: the series driven for real against emulated iLOs.

``./wb demo`` (``python -m demo``) enrolls a node on an emulated iLO 4
(Gen9) and iLO 5 (Gen10), attaches an iSCSI boot volume, runs the boot
interface's ``prepare_instance``, powers the server on and runs
``clean_up_instance``, printing after each step what each iLO holds and
how many requests the step cost.

* ``conductor``: ironic configured and run in this process as its
  conductor runs it (config file, SQLite database, enrollment).
* ``logcheck``: catches every log record and finds those that give a
  secret away (also used by the functional tests).
* ``report``: the readable lines the demo prints (no ironic needed).
* ``steps``: the scenarios, what each step must do, the verdict (no
  ironic needed).
* ``main``: runs the steps against ironic and the emulated iLOs.

Importing the package imports neither ironic nor proliantutils.
"""

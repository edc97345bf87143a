"""Workbench: build pristine ironic from PyPI, port it to Python 3.11,
apply the patch series, export it back and run the tests."""

# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""realboot: boot a qemu VM (TCG) from a real iSCSI LUN, on loopback only.

The qemu backend of the emulated iLOs and the machinery behind it, for
the real-boot tests and ``python -m demo --boot``:

* :mod:`realboot.backend`: the qemu backend, plugged into iloemu's
  backend interface (a VM per start, booted from what iLO holds);
* :mod:`realboot.packages`: whether the Debian packages needed are
  installed (``./wb deps`` installs them), whether qemu can start;
* :mod:`realboot.images`: LUN images built at test time (a UEFI FAT image
  with a standalone GRUB, a BIOS image with a boot sector from nasm);
* :mod:`realboot.target`: tgtd on 127.0.0.1, its targets, CHAP accounts
  and initiator bindings;
* :mod:`realboot.served`: one freshly built UEFI LUN served by a tgtd of
  its own to one initiator (the demo's ``--boot``);
* :mod:`realboot.ipxe`: the iPXE script written from iSCSI settings, and
  iPXE's verdict read back;
* :mod:`realboot.network`: the guest's restricted network and its
  loopback forwards;
* :mod:`realboot.vm`: the qemu command line and the VM's lifecycle;
* :mod:`realboot.console`, :mod:`realboot.outcome`: reading the serial
  console and judging what became of a boot.

Every error is a :class:`realboot.errors.RealBootError`.
"""

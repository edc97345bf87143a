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
"""Certificates: one file pair per emulated iLO, even in one directory."""
from __future__ import annotations

import ipaddress

from cryptography import x509

from iloemu.tls import CertificateAuthority


def _addresses(cert_file):
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    names = cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    return [str(a) for a in names.get_values_for_type(x509.IPAddress)]


def test_each_address_gets_its_own_files(tmp_path):
    ca = CertificateAuthority('iloemu CA', tmp_path)
    addresses = ['127.0.0.2', '127.0.0.3', '127.0.1.2']
    certs = [ca.issue(address) for address in addresses]
    assert len({c.cert_file for c in certs}) == len(addresses)
    assert len({c.key_file for c in certs}) == len(addresses)
    for address, cert in zip(addresses, certs):
        assert cert.cert_file.name == 'iloemu-ca-%s.crt' % address
        assert cert.key_file.name == 'iloemu-ca-%s.key' % address
        assert _addresses(cert.cert_file) == [address]
        assert (cert.key_file.stat().st_mode & 0o777) == 0o600
        cert.context()  # the key still matches the certificate


def test_fleet_keeps_every_ilos_certificate(fleet):
    ilos = [fleet.add(generation=9), fleet.add(generation=10),
            fleet.add(generation=10)]
    for ilo in ilos:
        cert_file = fleet.directory / ('iloemu-ca-%s.crt' % ilo.address)
        assert _addresses(cert_file) == [ilo.address]
        assert ipaddress.ip_address(ilo.address).is_loopback

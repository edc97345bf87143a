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

"""Certificates made at start with ``cryptography``: a CA, server certs.

The CA's certificate goes to a file a client trusts (proliantutils'
``cacert``, ironic's ``[ilo]ca_file``); each emulated iLO gets a server
certificate for its IP address, so verification stays on. A second,
unrelated CA signs the certificate served under the "untrusted
certificate" fault.
"""
from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import os
from pathlib import Path
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = datetime.timedelta(days=30)


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'iloemu'),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@dataclasses.dataclass(frozen=True)
class ServerCertificate:
    """A PEM certificate and key written to files (key mode 0600)."""

    cert_file: Path
    key_file: Path

    def context(self) -> ssl.SSLContext:
        """A server-side TLS context (TLS 1.2 or newer) serving this cert."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(str(self.cert_file), str(self.key_file))
        return ctx


class CertificateAuthority:
    """A throw-away CA that signs one certificate per emulated iLO.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ca = CertificateAuthority('test CA', Path(tmp))
    ...     cert = ca.issue('127.0.0.2')
    ...     ctx = cert.context()
    ...     ca.ca_file.read_text().startswith('-----BEGIN CERTIFICATE-----')
    True
    """

    def __init__(self, common_name: str, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        public = self._key.public_key()
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                           critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False,
                key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public),
                           critical=False)
            .sign(self._key, hashes.SHA256()))
        slug = common_name.lower().replace(' ', '-')
        self.ca_file = self.directory / ('%s.pem' % slug)
        self.ca_file.write_bytes(
            self._cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, address: str) -> ServerCertificate:
        """A server certificate for the IP ``address``, signed by this CA."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        ca_ski = self._cert.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier).value
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(address))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(address))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier
                           .from_issuer_subject_key_identifier(ca_ski),
                           critical=False)
            .sign(self._key, hashes.SHA256()))
        stem = '%s-%s' % (self.ca_file.stem, address)
        # Not Path.with_suffix: it would take the address's last octet for
        # a suffix, and every 127.0.0.N would share one file.
        cert_file = self.directory / (stem + '.crt')
        key_file = self.directory / (stem + '.key')
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        fd = os.open(str(key_file), os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(_key_pem(key))
        return ServerCertificate(cert_file, key_file)

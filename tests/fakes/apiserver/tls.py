"""A self-signed serving certificate for 127.0.0.1, made once per process.

The fake speaks HTTPS because client-go (kubectl) only sends a kubeconfig's credentials
over TLS: with a plain `http://` server every kubectl request would be anonymous and
identities could not be told apart. The certificate is its own CA and goes into the
kubeconfig as `certificate-authority-data`, so clients verify it as they would a
cluster's.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_lock = threading.Lock()
_cache: dict[str, ServingCert] = {}


@dataclass(frozen=True)
class ServingCert:
    cert_file: Path
    key_file: Path
    pem: bytes

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def serving_cert() -> ServingCert:
    """The process-wide certificate (generated on first use, ~1 ms with EC P-256)."""
    with _lock:
        if "cert" not in _cache:
            _cache["cert"] = _generate(Path(tempfile.mkdtemp(prefix="fake-apiserver-tls-")))
        return _cache["cert"]


def _generate(directory: Path) -> ServingCert:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-apiserver")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_file, key_file = directory / "tls.crt", directory / "tls.key"
    cert_file.write_bytes(pem)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return ServingCert(cert_file, key_file, pem)

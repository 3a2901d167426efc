"""Download files with retries, mirror fallback, SHA-256 verification, progress and atomic writes.

Used for MNIST. The checksum is computed over the *decompressed* content of ``.gz`` files, so a
mirror that recompressed the files (different gzip header) still verifies, while any change to
the data does not. Nothing here runs at import time; tests point ``mirrors`` at a loopback server.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Sequence

from core.errors import DataError
from core.files import default_mode

Progress = Callable[[float, str], None]
_BLOCK = 1 << 16


def content_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 hex digest of the file's content, decompressed first when it is gzip data."""
    path = os.fspath(path)
    h = hashlib.sha256()
    with open(path, "rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
            while block := fh.read(1 << 20):
                h.update(block)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: corrupt gzip data ({exc})") from None
    return h.hexdigest()


def _fetch(url: str, dest: str, timeout: float, progress: Progress | None, label: str) -> None:
    """Stream ``url`` into the open path ``dest``; raise urllib/OS errors as they come."""
    req = urllib.request.Request(url, headers={"User-Agent": "ffstudio"})
    with urllib.request.urlopen(req, timeout=timeout) as resp, open(dest, "wb") as out:
        total = int(resp.headers.get("Content-Length") or 0)
        done = 0
        while block := resp.read(_BLOCK):
            out.write(block)
            done += len(block)
            if progress is not None:
                frac = done / total if total else 0.0
                progress(min(frac, 1.0), f"downloading {label}: {done / 1e6:.1f}"
                         + (f" of {total / 1e6:.1f} MB" if total else " MB"))
        if total and done != total:
            raise urllib.error.ContentTooShortError(f"got {done} of {total} bytes", None)


def download_file(
    filename: str,
    dest_dir: str | os.PathLike[str],
    mirrors: Sequence[str],
    sha256: str | None,
    progress: Progress | None = None,
    retries: int = 2,
    timeout: float = 20.0,
    backoff: float = 1.0,
) -> str:
    """Download ``filename`` from the first mirror that serves it intact; return the final path.

    Each mirror is a base URL (``filename`` is appended). HTTP errors such as 404 and checksum
    mismatches move on to the next mirror; network errors are retried ``retries`` times with
    ``backoff * attempt`` seconds between (worst case without network: mirrors x retries x
    ``timeout``; ``download_mnist`` stops at the first file that cannot be fetched). The file
    appears in ``dest_dir`` only after it verified (temporary file + ``os.replace``). Raises
    DataError listing every attempt.
    """
    dest_dir = os.fspath(dest_dir)
    try:
        os.makedirs(dest_dir, exist_ok=True)
    except OSError as exc:
        raise DataError(f"{dest_dir}: cannot create the download folder ({exc.strerror or exc})") from None
    final = os.path.join(dest_dir, filename)
    failures: list[str] = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + filename
        for attempt in range(1, max(1, retries) + 1):
            fd, tmp = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=dest_dir)
            os.close(fd)
            if progress is not None:
                progress(0.0, f"connecting to {urllib.parse.urlsplit(url).netloc} for {filename}")
            try:
                _fetch(url, tmp, timeout, progress, filename)
                if sha256 is not None:
                    got = content_sha256(tmp)
                    if got != sha256:
                        failures.append(f"{url}: checksum mismatch (SHA-256 {got[:12]}..., "
                                        f"expected {sha256[:12]}...)")
                        break
                os.chmod(tmp, default_mode())
                os.replace(tmp, final)
                return final
            except urllib.error.HTTPError as exc:
                failures.append(f"{url}: HTTP {exc.code}")
                break
            except DataError as exc:  # corrupt gzip from content_sha256
                failures.append(f"{url}: {str(exc).split(': ', 1)[-1]}")
                break
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                reason = getattr(exc, "reason", None) or exc
                if attempt == max(1, retries):
                    failures.append(f"{url}: {reason} (after {attempt} attempts)")
                elif backoff > 0:
                    time.sleep(backoff * attempt)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    if not mirrors:
        failures.append("no mirrors configured")
    raise DataError(f"could not download {filename}: " + "; ".join(failures))

"""Suite-wide guards: no test may reach the internet."""

from __future__ import annotations

import os

# A test that falls through to the MNIST download path hits a closed loopback port instead of a public
# mirror; tests of the download itself start their own loopback server.
os.environ["FFSTUDIO_MNIST_MIRRORS"] = "http://127.0.0.1:9/"

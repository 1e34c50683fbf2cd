"""Zoufang server: the Litestar API over piccolo."""

import os

# piccolo finds its engine through this module; set before any table is used.
os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")

__version__ = "0.1.0"

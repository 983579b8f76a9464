"""Exit 1 with a message saying what to do when TCP port argv[1] is taken (``make run``).

Odoo would only find out after building the whole demo database, and stop with
"Address already in use". The port is tried as Odoo binds it: all interfaces, SO_REUSEADDR.
"""

import errno
import socket
import sys

port = int(sys.argv[1])
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("0.0.0.0", port))
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        sys.exit(
            f"Port {port} is already in use (another Odoo, or `make run` already running?).\n"
            f"Stop that server, or run on another port: make run PORT={port + 1}"
        )

"""What the hosted app needs under load: Streamlit settings (.streamlit/config.toml) and sockets that send at once."""

import os
import socket
import tomllib
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT


def test_no_per_session_source_watching_and_no_full_collection_after_every_run():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    # Each would make every visitor wait on the web server's thread: a walk of every imported
    # module per new session, a full garbage collection per script run.
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["postScriptGC"] is False


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads the process's sockets in /proc (Linux)")
def test_the_server_sockets_send_without_delay():
    import dashboard

    def nodelay(sock: socket.socket) -> bool:
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0

    # Bound as Streamlit binds its own (no protocol named): asyncio then leaves Nagle's algorithm
    # on for the connections it accepts, and a reused connection's response waits ~40 ms.
    with socket.socket(socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert listener.proto == 0 and not nodelay(listener)
        with socket.create_connection(listener.getsockname()) as client:
            opened_before, _ = listener.accept()
            with opened_before:
                assert not nodelay(opened_before)
                assert dashboard.send_without_delay() >= 3  # the listener and both ends
                assert nodelay(listener) and nodelay(opened_before)
        # Every duplicate is closed again, and descriptors that are not sockets are left alone.
        descriptors = len(os.listdir("/proc/self/fd"))
        dashboard.send_without_delay()
        assert len(os.listdir("/proc/self/fd")) == descriptors
        with socket.create_connection(listener.getsockname()) as client:
            accepted, _ = listener.accept()
            with accepted:
                assert nodelay(accepted)  # the listener's option came with the connection
                accepted.sendall(b"ok")  # and the server's descriptors are still open
                assert client.recv(2) == b"ok"

"""A stop right after start-up is never lost (issue #20, deployment): systemd may send SIGTERM
the moment `vigil serve` says it listens; serve must then shut down gracefully (exit 0, the
audit trail's last checkpoint signed), not hang until SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import time

from conftest import vigil_binary


def test_sigterm_at_once_after_listening_stops_serve(tmp_path):
    for attempt in range(5):
        db = tmp_path / f"vigil-{attempt}.sqlite"
        proc = subprocess.Popen([str(vigil_binary()), "serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", str(db)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            for line in proc.stdout:
                if line.startswith("http listening"):
                    proc.send_signal(signal.SIGTERM)   # the moment it says so
                    break
            started = time.monotonic()
            assert proc.wait(timeout=10) == 0
            assert time.monotonic() - started < 10
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    # The stop was graceful: the trail ends with a signed checkpoint, so it verifies.
    verify = subprocess.run([str(vigil_binary()), "audit", "verify", "--db", str(db)], capture_output=True, text=True, timeout=10)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_sigterm_during_start_up_stops_serve(tmp_path):
    """Earlier still: the signal arrives while serve opens its database and loads its rules."""
    proc = subprocess.Popen([str(vigil_binary()), "serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                             "--db", str(tmp_path / "vigil.sqlite")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(timeout=10) in (0, -signal.SIGTERM)   # handled, or ended before serve began catching it
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

"""The board report as ragboard serves it: a real server on the demo
database (data/rotherham-icp-2018-19.json imported with `ragboard import`),
with the partnership's cover configured as the demo deploys it, and a
small client. For the render tests that check the served report
(check_served.py, check_seed.py)."""
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEMO = os.path.join(ROOT, "data", "rotherham-icp-2018-19.json")
COVER = ["--report-title", "Rotherham Integrated Care Partnership",
         "--report-delivery-team", "ICP Delivery Team", "--report-place-board", "ICP Place Board"]


class Server:
    """ragboard serve on a fresh copy of the demo database, port 0."""

    def __init__(self, ragboard, public_read=True):
        self.dir = tempfile.mkdtemp(prefix="ragboard-served-")
        db = os.path.join(self.dir, "demo.db")
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAGBOARD_")}
        subprocess.run([ragboard, "import", "--db", db, DEMO], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.dir, "port")
        args = [ragboard, "serve", "--db", db, "--listen", "127.0.0.1:0", "--port-file", port_file,
                "--threads", "2", "--synchronous", "normal", "--log-level", "error", *COVER]
        if public_read:
            args.append("--public-read")
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        self.port = None
        while self.port is None:
            if self.proc.poll() is not None:
                raise SystemExit(f"ragboard serve exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                raise SystemExit("ragboard serve wrote no port file in 20 s")
            try:
                with open(port_file, encoding="ascii") as f:
                    text = f.read().strip()
                self.port = int(text) if text else None
            except (OSError, ValueError):
                time.sleep(0.05)
        self.base = f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base + path

    def get(self, path, accept=None):
        """(status, headers, body bytes)."""
        req = urllib.request.Request(self.url(path), headers={"Accept": accept} if accept else {})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

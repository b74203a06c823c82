"""Tests of the built site (run ``make docs`` first; ``make docs-check`` runs these).

- the API reference documents every name of every area's ``__all__`` (from ``objects.inv``);
- every claim, figure script and notebook has its place, the notebooks with their outputs;
- no internal link or image points to a missing file or anchor;
- Debian's chromium, driven headless through the DevTools protocol over a pipe (stdlib only),
  loads the main pages with no console error, no uncaught exception and no failed request,
  and saves a screenshot of each under ``docs/_build/screenshots/``.
"""

from __future__ import annotations

import base64
import functools
import html.parser
import http.server
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

from theory.claims import AREAS, registry

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
HTML = DOCS / "_build" / "html"
SHOTS = DOCS / "_build" / "screenshots"

if not (HTML / "index.html").exists():
    pytest.fail("the site is not built: run `make docs` first", pytrace=False)


def _areas() -> list[str]:
    import importlib

    out = []
    for a in AREAS:
        try:
            importlib.import_module(f"theory.{a}")
        except ModuleNotFoundError:
            continue
        out.append(a)
    return out


# ----------------------------------------------------------------------------------------------
# content

def test_api_reference_documents_every_public_name():
    from sphinx.util.inventory import InventoryFile

    with open(HTML / "objects.inv", "rb") as f:
        inv = InventoryFile.load(f, "", lambda base, uri: uri)
    entries = inv.data if hasattr(inv, "data") else inv  # Sphinx >= 8.2 wraps the mapping
    documented = {name for kind, names in entries.items() if kind.startswith("py:") for name in names}
    missing = []
    count = 0
    for area in _areas():
        import importlib

        for name in importlib.import_module(f"theory.{area}").__all__:
            count += 1
            if f"theory.{area}.{name}" not in documented:
                missing.append(f"theory.{area}.{name}")
            elif not (HTML / "generated" / "api" / area / f"theory.{area}.{name}.html").exists():
                missing.append(f"theory.{area}.{name} (no page)")
    assert not missing, f"public names missing from the API reference: {missing}"
    assert count > 0


def test_every_claim_figure_and_notebook_has_its_page():
    catalogue = (HTML / "generated" / "claims.html").read_text()
    absent = [cid for cid in registry() if cid not in catalogue]
    assert not absent, f"claims missing from the catalogue: {absent}"
    assert "FAIL" not in catalogue.replace("PASS", "")
    for script in sorted((ROOT / "figures").glob("*.py")):
        pages = list((HTML / "generated" / "gallery").glob(f"*/{script.stem}.html"))
        assert pages, f"no gallery page for {script.name}"
        assert "sphx-glr-single-img" in pages[0].read_text(), f"{script.name}: gallery page without picture"
    for nb in sorted((ROOT / "notebooks").glob("*.py")):
        page = HTML / "generated" / "notebooks" / f"{nb.stem}.html"
        assert page.exists(), f"notebook {nb.name} not rendered"
        assert "cell_output" in page.read_text(), f"notebook {nb.name} rendered without outputs"
    for area in _areas():
        assert (HTML / "generated" / "areas" / f"{area}.html").exists()


# ----------------------------------------------------------------------------------------------
# links

class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.refs.append(value)
            if key in ("id", "name") and value:
                self.ids.add(value)


@functools.cache
def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p


def test_no_broken_internal_links():
    pages = sorted(HTML.rglob("*.html"))
    broken = []
    for page in pages:
        for ref in _parse(page).refs:
            parts = urlsplit(ref)
            if parts.scheme or ref.startswith("//") or ref.startswith("javascript:"):
                continue
            target_ref, frag = urldefrag(ref)
            target = (page.parent / unquote(urlsplit(target_ref).path)).resolve() if target_ref else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(HTML)} -> {ref}")
            elif frag and target.suffix == ".html" and unquote(frag) not in _parse(target).ids:
                broken.append(f"{page.relative_to(HTML)} -> {ref} (no such anchor)")
    assert len(pages) > 20
    assert not broken, f"{len(broken)} broken internal links, e.g. {broken[:10]}"


def test_external_references_are_only_plain_links():
    """Nothing on the site loads a script, style or font from the network."""
    remote = []
    for page in sorted(HTML.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        for ref in _parse(page).refs:
            if ref.startswith(("http://", "https://", "//")) and (
                    f'src="{ref}"' in text or f'href="{ref}" rel="stylesheet"' in text
                    or (f'href="{ref}"' in text and ref.endswith((".js", ".css", ".woff", ".woff2")))):
                remote.append(f"{page.relative_to(HTML)}: {ref}")
    assert not remote, remote[:10]


# ----------------------------------------------------------------------------------------------
# the browser: chromium --headless --remote-debugging-pipe (fd 3 commands, fd 4 replies, NUL-separated)

class Chromium:
    def __init__(self, profile: Path) -> None:
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if exe is None:
            pytest.fail("chromium is missing: run `make browser`", pytrace=False)
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()

        def wire() -> None:  # in the child: commands on fd 3, replies on fd 4
            os.dup2(cmd_r, 3)
            os.dup2(res_w, 4)

        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--disable-sync",
             "--hide-scrollbars", "--mute-audio", "about:blank"],
            preexec_fn=wire, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(res_w)
        self._next = 0
        self.messages: queue.Queue[dict] = queue.Queue()
        self.events: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buf = b""
        with os.fdopen(self._res_r, "rb", buffering=0) as f:
            while chunk := f.read(65536):
                buf += chunk
                while b"\0" in buf:
                    msg, buf = buf.split(b"\0", 1)
                    self.messages.put(json.loads(msg))

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60) -> dict:
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self.messages.get(timeout=max(0.1, deadline - time.monotonic()))
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.messages.get(timeout=0.2)
            except queue.Empty:
                continue
            self.events.append(msg)
            if msg.get("method") == method:
                return
        raise TimeoutError(method)

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.events.append(self.messages.get(timeout=0.1))
            except queue.Empty:
                pass

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no access log on stderr
        pass


@pytest.fixture(scope="module")
def site():
    handler = functools.partial(_Quiet, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _problems(events: list[dict], session: str) -> list[str]:
    out = []
    for e in events:
        if e.get("sessionId") != session:
            continue
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            out.append(f"exception: {p['exceptionDetails'].get('text')} "
                       f"{p['exceptionDetails'].get('exception', {}).get('description', '')}")
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console.error: " + " ".join(str(a.get("value", a.get("description")))
                                                    for a in p.get("args", [])))
        elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
            out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        elif m == "Network.loadingFailed" and not p.get("canceled"):
            out.append(f"request failed: {p.get('errorText')}")
        elif m == "Network.responseReceived" and p["response"]["status"] >= 400:
            out.append(f"HTTP {p['response']['status']}: {p['response']['url']}")
    return out


def _pages() -> dict[str, str]:
    area = _areas()[0]
    gallery = sorted((HTML / "generated" / "gallery" / area).glob("*.html"))
    gallery = [g for g in gallery if g.name != "index.html"]
    notebooks = sorted((HTML / "generated" / "notebooks").glob("0*.html"))
    pages = {"landing": "index.html", f"area_{area}": f"generated/areas/{area}.html",
             "api_index": "generated/api/index.html", f"api_{area}": f"generated/api/{area}.html",
             "gallery_index": "generated/gallery/index.html", "claims": "generated/claims.html"}
    if gallery:
        pages["gallery_example"] = str(gallery[0].relative_to(HTML))
    if notebooks:
        pages["notebook"] = str(notebooks[0].relative_to(HTML))
    return pages


def test_pages_in_headless_chromium(site):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    report = {}
    with tempfile.TemporaryDirectory() as profile:
        browser = Chromium(Path(profile))
        try:
            target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = browser.send("Target.attachToTarget",
                                   {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                browser.send(f"{domain}.enable", session=session)
            browser.send("Emulation.setDeviceMetricsOverride",
                         {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
            for name, path in _pages().items():
                browser.events.clear()
                browser.send("Page.navigate", {"url": site + path}, session)
                browser.wait_event("Page.loadEventFired")
                browser.drain(1.5)  # let MathJax and the theme's scripts finish
                title = browser.send("Runtime.evaluate", {"expression": "document.title",
                                                          "returnByValue": True}, session)
                height = browser.send("Runtime.evaluate", {
                    "expression": "document.documentElement.scrollHeight", "returnByValue": True}, session)
                shot = browser.send("Page.captureScreenshot", {
                    "format": "png", "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": 1280, "scale": 1,
                             "height": min(2400, int(height["result"]["value"]))}}, session)
                (SHOTS / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))
                report[name] = {"url": path, "title": title["result"]["value"],
                                "problems": _problems(browser.events, session)}
        finally:
            browser.close()
    (SHOTS / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    bad = {k: v["problems"] for k, v in report.items() if v["problems"]}
    assert not bad, f"console errors or failed requests: {bad}"
    assert all(v["title"] and "404" not in v["title"] for v in report.values()), report


def test_make_notebooks_writes_executed_ipynb(tmp_path):
    """``make notebooks`` (theory_docs.execute_notebooks) on the shortest notebook."""
    import sys

    import nbformat

    sys.path.insert(0, str(DOCS / "_ext"))
    import theory_docs

    shortest = min((ROOT / "notebooks").glob("*.py"), key=lambda p: len(p.read_text().splitlines()))
    (written,) = theory_docs.execute_notebooks([shortest], tmp_path)
    nb = nbformat.read(written, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code)
    assert any(c.outputs for c in code)

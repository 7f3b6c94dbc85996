"""The bundled corpus is reproducible from its committed sources."""

import subprocess
import sys

from conftest import DEFAULT_CORPUS, REPO


def test_render_script_rewrites_the_committed_pdfs_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "render_default_corpus.py"), "--out", str(tmp_path)],
        check=True, capture_output=True,
    )
    committed = sorted(DEFAULT_CORPUS.glob("*.pdf"))
    assert [p.name for p in committed] == sorted(p.name for p in tmp_path.glob("*.pdf"))
    for pdf in committed:
        assert (tmp_path / pdf.name).read_bytes() == pdf.read_bytes(), pdf.name
    assert sum(p.stat().st_size for p in committed) < 1_000_000

"""The README is a front page, the docs/ pages are reachable from it, and no link points nowhere."""

import re

import pytest

from conftest import REPO

PAGES = sorted((REPO / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def test_the_readme_is_a_front_page_that_links_every_docs_page():
    readme = (REPO / "README.md").read_text()
    assert len(readme.encode()) <= 8 * 1024, "benchmark tables and ablation rows belong in BENCHMARKS.md"
    linked = {target for target, _ in LINK.findall(readme)}
    assert {f"docs/{page.name}" for page in PAGES} <= linked


@pytest.mark.parametrize("page", [REPO / "README.md", REPO / "BENCHMARKS.md", *PAGES], ids=lambda path: path.name)
def test_relative_links_resolve(page):
    for target, anchor in LINK.findall(page.read_text()):
        if "://" in target:
            continue
        path = (page.parent / target).resolve()
        assert path.exists(), f"{page.name} links to {target}, which does not exist"
        if anchor and path.suffix == ".md":
            headings = {re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
                        for line in path.read_text().splitlines() if line.startswith("#")}
            assert anchor[1:] in headings, f"{page.name} links to {target}{anchor}, a heading {target} lacks"

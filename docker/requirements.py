"""Print the project's runtime dependencies (pyproject.toml, no dev extra),
one per line, for `pip install -r`: the image installs the dependencies
only and runs the source from /app, where templates/ and static/ live."""
import sys
import tomllib
from pathlib import Path

pyproject = Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml")
print("\n".join(tomllib.loads(pyproject.read_text())["project"]["dependencies"]))

import os
import sys

# ``python -m`` puts the current folder first on sys.path; in a Terraform workspace a file there (lark.py,
# json.py, ...) would then run as tfguard's own code. Everything tfguard imports comes from its installation,
# so drop that entry before importing anything else (the tfguard package itself is already loaded).
if sys.path and sys.path[0] in ("", os.getcwd()) and not getattr(sys.flags, "safe_path", False):
    del sys.path[0]

from tfguard.cli import main

raise SystemExit(main())

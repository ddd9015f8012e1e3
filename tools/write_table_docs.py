"""Write docs/tables.md from funnel_assets/catalogue.py.

python -m tools.write_table_docs           # rewrite docs/tables.md
python -m tools.write_table_docs --check   # exit 1 when docs/tables.md is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from funnel_assets.catalogue import render_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs" / "tables.md"
COMMAND = "python -m tools.write_table_docs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write docs/tables.md from funnel_assets/catalogue.py.")
    parser.add_argument(
        "--check", action="store_true", help="only check that docs/tables.md is up to date (exit 1 if not)"
    )
    parser.add_argument("--path", type=Path, default=DOCS, help=f"the file to write or check (default {DOCS})")
    args = parser.parse_args(argv)
    wanted = render_markdown()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else None
        if current != wanted:
            state = "is missing" if current is None else "is stale"
            print(
                f"{args.path} {state}: it no longer matches funnel_assets/catalogue.py. Run `{COMMAND}` to regenerate it."
            )
            return 1
        print(f"{args.path} is up to date.")
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(wanted, encoding="utf-8", newline="\n")
    print(f"Wrote {args.path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

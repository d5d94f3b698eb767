"""Run Journey Studio from a source checkout: `python main.py [--db PATH] [COMMAND …]`."""

from app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

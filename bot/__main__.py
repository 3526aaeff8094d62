"""``python -m bot`` is the same as the ``depeche`` command."""

from bot.run.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

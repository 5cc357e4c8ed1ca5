"""Say it plainly when the browser tests could not run."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not CHROMIUM.exists():
        terminalreporter.write_line(
            f"NOTE: browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium); everything else ran.",
            yellow=True,
        )

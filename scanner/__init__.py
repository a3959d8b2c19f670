"""leakwindow: find leaked secrets in git history and measure how long each was exposed."""

__version__ = "0.1.0"

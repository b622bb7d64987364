import signal
import sys

from .cli import main

# Piped into `head`, end quietly like other command-line tools instead of a BrokenPipeError.
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
sys.exit(main())

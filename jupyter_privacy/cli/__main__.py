import sys

from jupyter_privacy.cli import main

sys.exit(main())

"""Start a Flower command without TensorFlow and Ray: `python -m … <command> [args…]`.

Flower imports TensorFlow (for an optional TensorBoard helper) and Ray (for its simulation engine)
whenever they are installed: several seconds of CPU per process, and a local deployment starts a
dozen. SuperLink, SuperNode, SuperExec, `flwr run` and the ServerApp of deployed.py need neither
(the ClientApps, which train Keras models, are started normally), so here both imports fail and
Flower carries on as if they were not installed.
"""

from __future__ import annotations

import importlib
import sys

#: command → (module, function), as in Flower's own console scripts
COMMANDS = {
    "flower-superlink": ("flwr.server.app", "run_superlink"),
    "flower-supernode": ("flwr.supernode.cli", "flower_supernode"),
    "flower-superexec": ("flwr.supercore.cli", "flower_superexec"),
    "flwr-serverapp": ("flwr.server.serverapp", "flwr_serverapp"),
    "flwr": ("flwr.cli.app", "app"),
}
BLOCKED = ("tensorflow", "ray")


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: python -m {__spec__.name if __spec__ else __name__} "
                 f"{{{','.join(COMMANDS)}}} [args…]")  # fmt: skip
    command = sys.argv[1]
    for name in BLOCKED:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` now raises ImportError
    module, function = COMMANDS[command]
    sys.argv = [command, *sys.argv[2:]]
    getattr(importlib.import_module(module), function)()


if __name__ == "__main__":
    main()

"""`python -m escalq.cli.serve HOST PORT`: Reflex's production backend serving the built frontend too.

What `reflex run --env prod` starts once its build is done, without the build (`escalq.cli.frontend`
decides when one is needed) and without reloading on file changes.
"""

import sys

from reflex.utils import exec as reflex_exec
from reflex_base import constants
from reflex_base.environment import environment


def main(host: str, port: int) -> None:
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    reflex_exec.run_backend_prod(host, port, constants.LogLevel.WARNING, mount_frontend_compiled_app=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

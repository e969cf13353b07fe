#!/usr/bin/env python
"""Django's command-line utility for Session Lab."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutorial.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A missing secret key is a configuration mistake, not a crash: say
        # what to set in one line instead of a traceback.
        sys.exit(f"Session Lab cannot start: {error}")


if __name__ == "__main__":
    main()

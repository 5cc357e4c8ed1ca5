#!/usr/bin/env python
import os
import sys


def main():
    from acorn_portal import dotenv

    dotenv.load()  # this checkout's .env (written by `make run`); the environment wins
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acorn_portal.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

"""``journey-studio settings show`` and ``settings set KEY VALUE``.

Workspace settings are stored in the workspace; secrets (``smtp_password``,
``sms_http_token``, ``push_http_token``) go to the system keyring or a private file instead,
and are shown only as set or not set.
"""

from __future__ import annotations

import argparse
import json

from app.cli.output import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, fail, open_or_fail, print_json


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    settings = commands.add_parser("settings", help="workspace settings and delivery secrets")
    actions = settings.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="every setting with its value")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_command)
    change = actions.add_parser(
        "set",
        help="change a setting (numbers and true/false are read as such)",
        description="Change a workspace setting, or store a secret (smtp_password, "
        "sms_http_token, push_http_token) in the system keyring or a private file.",
    )
    change.add_argument("key")
    change.add_argument("value")
    change.set_defaults(handler=set_command)


def _value(text: str) -> object:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, bool | int | float) else text


def show_command(args: argparse.Namespace) -> int:
    from app.services.secrets import SECRET_KEYS, default_secrets
    from app.store.settings import SETTINGS, all_settings

    workspace = open_or_fail(args.db)
    if workspace is None:
        return EXIT_USAGE
    with workspace.reader() as connection:
        values: dict[str, object] = dict(all_settings(connection))
    secrets = default_secrets()
    for name in SECRET_KEYS:
        values[name] = "set" if secrets.get(workspace.describe(), name) else "not set"
    workspace.close()
    if args.json:
        print_json(values)
        return EXIT_OK
    for key, value in values.items():
        about = SETTINGS[key].description if key in SETTINGS else f"secret, in {secrets.where}"
        print(f"{key:<18} {json.dumps(value) if not isinstance(value, str) else value:<24} {about}")
    return EXIT_OK


def set_command(args: argparse.Namespace) -> int:
    from app.services.secrets import SECRET_KEYS, default_secrets
    from app.store.settings import SettingError, set_setting

    workspace = open_or_fail(args.db)
    if workspace is None:
        return EXIT_USAGE
    try:
        if args.key in SECRET_KEYS:
            secrets = default_secrets()
            secrets.set(workspace.describe(), args.key, args.value)
            print(f"{args.key} stored in {secrets.where}")
            return EXIT_OK
        with workspace.writer() as connection:
            set_setting(connection, args.key, _value(args.value))
    except SettingError as error:
        fail(str(error))
        return EXIT_REFUSED
    finally:
        workspace.close()
    print(f"{args.key} = {args.value}")
    return EXIT_OK

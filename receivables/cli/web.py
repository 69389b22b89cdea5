"""Web commands: `serve` (the web application and API), `user add|passwd|disable`, `token create`."""

from __future__ import annotations

import os
import sys
from datetime import date
from typing import Optional

import typer

from receivables.cli.app import state
from receivables.cli.output import console, fail
from receivables.domain.users import ROLES

# Services, storage, uvicorn and the web application are imported inside each command (see the start-up rule
# in cli/app.py).

user_app = typer.Typer(help="People who sign in to the web application. 用户。", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for other systems. 接口令牌。", no_args_is_help=True)
ROLE_HELP = f"Role: {', '.join(ROLES)}."


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")


def serve(ctx: typer.Context,
          demo: bool = typer.Option(False, "--demo", help="Load the small demo ledger into a fresh data folder and "
                                    "create one demo user per role (passwords printed once)."),
          host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
          port: int = typer.Option(8000, "--port", min=1, max=65535),
          workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes.")) -> None:
    """Run the web application and the JSON API. 启动网页应用。"""
    import uvicorn

    from receivables.services.setup import initialise, require_current_schema
    from receivables.services.users import add_demo_users
    from receivables.storage.database import unit_of_work
    from receivables.web.security import SecretKeyError, load_secret_key

    cli = state(ctx)
    home = cli.settings.home
    if demo:
        if home.exists() and any(home.iterdir()):
            fail(f"--demo needs a fresh data folder, and {home} is not empty; "
                 "choose another with --home or RECEIVABLES_HOME")
        runtime = cli.open(require_schema=False)
        initialise(runtime.engine, runtime.sessions, actor=cli.actor)
        from receivables.services.demo import DemoError, load_demo

        try:
            summary = load_demo(runtime.sessions, size="small", as_of=date.today(), actor=cli.actor)
        except DemoError as exc:
            fail(str(exc))
        with unit_of_work(runtime.sessions) as session:
            users = add_demo_users(session, actor=cli.actor)
        out = console()
        out.print(f"demo data loaded into {home}: {summary.debtors} debtors, {summary.receivables:,} receivables",
                  markup=False, highlight=False)
        out.print("demo users (the passwords are shown only now):", markup=False)
        for name, role, password in users:
            out.print(f"  {name:<22} {role:<16} {password}", markup=False, highlight=False)
    else:
        require_current_schema(cli.open(require_schema=False).engine)
    try:
        load_secret_key(home)  # created once here, before workers start, so they all read the same file
    except SecretKeyError as exc:
        fail(str(exc))
    if cli.runtime is not None:
        cli.runtime.close()
    os.environ["RECEIVABLES_HOME"] = str(home)
    os.environ["RECEIVABLES_DATABASE_URL"] = cli.settings.database_url
    console().print(f"serving on http://{host}:{port}/ ({workers} worker{'s' if workers > 1 else ''}); "
                    "stop with Ctrl+C", markup=False, highlight=False)
    uvicorn.run("receivables.web.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False, proxy_headers=False)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
def user_add(ctx: typer.Context, name: str = typer.Argument(..., help="Sign-in name."),
             role: str = typer.Option(..., "--role", help=ROLE_HELP),
             locale: str = typer.Option("zh", "--language", help="Interface language: zh or en."),
             password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin.")
             ) -> None:
    """Add a user (the password is asked for, or read from stdin). 添加用户。"""
    from receivables.services.users import add_user
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    runtime = cli.open()
    password = _read_password(password_stdin)
    with unit_of_work(runtime.sessions) as session:
        add_user(session, name, role, password, actor=cli.actor, locale=locale)
    console().print(f"user {name} added with role {role}", markup=False, highlight=False)


@user_app.command("passwd")
def user_passwd(ctx: typer.Context, name: str = typer.Argument(...),
                password_stdin: bool = typer.Option(False, "--password-stdin")) -> None:
    """Set a new password; the user's open sessions end. 修改密码。"""
    from receivables.services.users import set_password
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    runtime = cli.open()
    password = _read_password(password_stdin)
    with unit_of_work(runtime.sessions) as session:
        set_password(session, name, password, actor=cli.actor)
    console().print(f"password of {name} changed", markup=False, highlight=False)


@user_app.command("disable")
def user_disable(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """The user can no longer sign in; open sessions end. 停用用户。"""
    from receivables.services.users import disable_user
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        disable_user(session, name, actor=cli.actor)
    console().print(f"user {name} disabled", markup=False, highlight=False)


@token_app.command("create")
def token_create(ctx: typer.Context, name: str = typer.Argument(..., help="Name of the calling system."),
                 role: str = typer.Option(..., "--role", help=ROLE_HELP)) -> None:
    """Create an API token; it is printed once and only its hash is kept. 创建接口令牌。"""
    from receivables.services.tokens import create_token
    from receivables.storage.database import unit_of_work

    cli = state(ctx)
    runtime = cli.open()
    with unit_of_work(runtime.sessions) as session:
        token = create_token(session, name, role, actor=cli.actor)
    if sys.stdout.isatty():
        console().print(f"token for {name} (role {role}); it is shown only now:", markup=False, highlight=False)
    print(token)




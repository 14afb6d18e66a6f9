"""The Bolt app: slash command, alert buttons and App Home, as thin listeners.

Each listener calls ``ack()`` first, in the HTTP request's own thread, then hands its work
(parse, use-case, render, reply through ``response_url`` or ``views.publish``) to the
listener executor and returns. With ``process_before_response=True`` Bolt answers the HTTP
request as soon as the listener returns — a few milliseconds, whatever the store or the APIs
do, and however busy the executor is (Bolt's own "run the listener on the executor, then
wait for its ack" would queue acks behind reports being computed, and its lazy listeners
deep-copy every request). Authorization needs no Web API call per request: the bot's
identity is read once (``auth.test``) when the app is built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, cast

from slack_bolt import Ack, App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.logger.messages import warning_token_skipped
from slack_sdk.errors import SlackApiError

from bot.core.errors import AuthError, IntegrationError
from bot.core.logs import event
from bot.render.alerts import ACK_ACTION, SNOOZE_ACTION
from bot.slack.client import AUTH_ERRORS
from bot.usecases.alert_outcomes import ClickedMessage
from bot.usecases.commands import CommandRequest

if TYPE_CHECKING:
    from bot.app import Crosswalk

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 4  # work is mostly GIL-bound: more threads mostly slow the acks down


class _ExpectedBoltNotices(logging.Filter):
    """Drops Bolt's notice that the client's token is ignored: ``authorize`` (above) answers
    with that same token, on purpose, so no Slack call is needed before the first ack."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_token_skipped()


def build_bolt_app(crosswalk: Crosswalk, *, executor: Executor | None = None) -> App:
    """A Bolt ``App`` with Crosswalk's listeners; ``executor`` runs the work after each ack."""
    identity = crosswalk.identity()
    client = crosswalk.clients.web_client
    token = str(client.token or "")
    pool = executor or ThreadPoolExecutor(DEFAULT_WORKERS, thread_name_prefix="bolt")

    def authorize(
        enterprise_id: str | None, team_id: str | None, **_: Any
    ) -> AuthorizeResult | None:
        if team_id is not None and team_id != identity.team_id:
            # Signed with our secret but from another workspace (an app installed in two
            # workspaces shares its secret): not ours to serve. Bolt then answers nothing.
            log.warning("slack.foreign_workspace",
                        extra={"fields": {"team": team_id, "ours": identity.team_id}})
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id or identity.team_id,
            bot_user_id=identity.user_id, bot_id=identity.bot_id, bot_token=token,
        )

    bolt_log = logging.getLogger("bot.slack.bolt")
    if not any(isinstance(f, _ExpectedBoltNotices) for f in bolt_log.filters):
        bolt_log.addFilter(_ExpectedBoltNotices())
    app = App(
        client=client, signing_secret=crosswalk.signing_secret,
        # Bolt types authorize as never None, but treats None as "not authorized"
        authorize=cast("Callable[..., AuthorizeResult]", authorize),
        process_before_response=True, listener_executor=pool, logger=bolt_log,
    )
    messenger = crosswalk.clients.messenger

    def later(work: Callable[..., None], *args: Any) -> None:
        def run() -> None:
            try:
                work(*args)
            except Exception as exc:  # a future would keep it to itself: log it here
                log.error(
                    "slack.work_failed",
                    extra={"fields": {"work": work.__name__, "error": type(exc).__name__}},
                    exc_info=not isinstance(exc, IntegrationError)
                )

        pool.submit(run)

    def reply(response_url: str | None, payload: dict[str, Any]) -> None:
        if not response_url:
            return
        try:
            messenger.post_to_response_url(response_url, payload)
        except IntegrationError as exc:
            event(log, "slack.reply_failed", logging.WARNING, error=type(exc).__name__)

    def command(body: dict[str, Any]) -> None:
        answer = crosswalk.commands.handle(_command_request(body))
        reply(body.get("response_url"), answer.payload())

    def press(kind: str, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id") or "")
        answer = crosswalk.commands.press(kind, str(action.get("value") or ""), user,
                                          _clicked(body))
        if answer is not None:
            reply(body.get("response_url"), answer.payload())

    def home(user_id: str) -> None:
        crosswalk.home.publish(user_id)

    @app.command(crosswalk.settings.slash_command)
    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        later(command, body)

    @app.action(SNOOZE_ACTION)
    def on_snooze(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        later(press, "snooze", body, action)

    @app.action(ACK_ACTION)
    def on_acknowledge(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        later(press, "ack", body, action)

    @app.event("app_home_opened")
    def on_home(ack: Ack, event: dict[str, Any]) -> None:
        ack()
        if event.get("tab", "home") == "home" and event.get("user"):
            later(home, str(event["user"]))

    @app.error
    def on_error(error: Exception) -> None:
        # The body is not logged: it carries response_url, a bearer secret.
        log.error(
            "bolt.listener_failed", extra={"fields": {"error": type(error).__name__}},
            exc_info=error
        )

    return app


class SocketMode:
    """Socket Mode for ``app``: ``connect()`` starts receiving in the background, ``close()``."""

    def __init__(self, app: App, app_token: str) -> None:
        # apps.connections.open goes through the app's WebClient (SLACK_API_URL, timeout).
        self._handler = SocketModeHandler(app, app_token, web_client=app.client,
                                          logger=logging.getLogger("bot.slack.socket"))

    def connect(self) -> bool:
        """Open the WebSocket connection (non-blocking); whether it is connected now.

        A rejected app token is an ``AuthError`` naming ``SLACK_APP_TOKEN``; a failed
        WebSocket handshake is not an error here: slack_sdk keeps retrying in the background.
        """
        try:
            self._handler.connect()  # type: ignore[no-untyped-call]  # slack_bolt: untyped
        except SlackApiError as exc:
            data = getattr(exc.response, "data", None)
            code = str(data.get("error", "")) if isinstance(data, dict) else ""
            if code in AUTH_ERRORS or code == "not_allowed_token_type":
                raise AuthError("Slack", f"apps.connections.open rejected the app token "
                                f"({code}); check SLACK_APP_TOKEN", detail=code) from None
            raise IntegrationError("Slack", f"apps.connections.open: {code or 'failed'}",
                                   detail=code) from None
        return bool(self._handler.client.is_connected())

    def close(self) -> None:
        """Stop receiving and close the connection; a failure to close is logged, not raised."""
        try:
            self._handler.close()  # type: ignore[no-untyped-call]  # slack_bolt: untyped
        except Exception as exc:  # noqa: BLE001 (shutdown must finish whatever the socket does)
            event(log, "serve.socket_mode_close_failed", logging.WARNING, error=type(exc).__name__)


def _command_request(body: dict[str, Any]) -> CommandRequest:
    return CommandRequest(
        text=str(body.get("text") or ""), user_id=str(body.get("user_id") or ""),
        channel_id=str(body.get("channel_id") or ""),
        channel_name=str(body.get("channel_name") or ""),
    )


def _clicked(body: dict[str, Any]) -> ClickedMessage | None:
    """The message the button sits on (channel, ts, blocks), when the payload has it."""
    message = body.get("message") or {}
    container = body.get("container") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    ts = str(message.get("ts") or container.get("message_ts") or "")
    if not channel or not ts:
        return None
    return ClickedMessage(channel, ts, list(message.get("blocks") or []),
                          str(message.get("text") or ""))

"""The Bolt app: slash command, alert buttons and App Home, as thin listeners.

Every listener acks first (Slack wants an answer within 3 s whatever the store or the APIs
do), then runs its use-case on Bolt's listener executor and replies through the request's
``response_url`` (or ``views.publish``). ``process_before_response`` stays False so the HTTP
answer leaves as soon as ``ack()`` is called. Authorization needs no Web API call per
request: the bot's identity is read once (``auth.test``) when the app is built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.authorization import AuthorizeResult

from bot.alerts import ClickedMessage
from bot.commands import CommandRequest
from bot.errors import IntegrationError
from bot.slack.render.alerts import ACK_ACTION, SNOOZE_ACTION

if TYPE_CHECKING:
    from bot.app import Crosswalk

log = logging.getLogger(__name__)


def build_bolt_app(crosswalk: Crosswalk, *, executor: Executor | None = None) -> App:
    """A Bolt ``App`` with Crosswalk's listeners (``executor`` runs the work after the ack)."""
    identity = crosswalk.identity()
    client = crosswalk.clients.web_client
    token = str(client.token or "")

    def authorize(enterprise_id: str | None, team_id: str | None, **_: Any) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id or identity.team_id,
            bot_user_id=identity.user_id, bot_id=identity.bot_id, bot_token=token,
        )

    app = App(
        client=client, signing_secret=crosswalk.signing_secret, authorize=authorize,
        process_before_response=False, listener_executor=executor,
        logger=logging.getLogger("bot.slack.bolt"),
    )
    messenger = crosswalk.clients.messenger

    def reply(response_url: str | None, payload: dict[str, Any]) -> None:
        if not response_url:
            return
        try:
            messenger.post_to_response_url(response_url, payload)
        except IntegrationError as exc:
            log.warning("slack.reply_failed error=%s", type(exc).__name__)

    @app.command(crosswalk.settings.slash_command)
    def on_command(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        answer = crosswalk.commands.handle(_command_request(body))
        reply(body.get("response_url"), answer.payload())

    def on_button(kind: str) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
            ack()
            user = str((body.get("user") or {}).get("id") or "")
            answer = crosswalk.commands.press(kind, str(action.get("value") or ""), user,
                                              _clicked(body))
            if answer is not None:
                reply(body.get("response_url"), answer.payload())

        return listener

    app.action(SNOOZE_ACTION)(on_button("snooze"))
    app.action(ACK_ACTION)(on_button("ack"))

    @app.event("app_home_opened")
    def on_home(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        try:
            crosswalk.home.publish(str(event["user"]))
        except Exception as exc:  # logged; the next open of the tab tries again
            log.error("home.publish_failed error=%s", type(exc).__name__,
                      exc_info=not isinstance(exc, IntegrationError))

    @app.error
    def on_error(error: Exception) -> None:
        # The body is not logged: it carries response_url, a bearer secret.
        log.error("bolt.listener_failed error=%s", type(error).__name__, exc_info=error)

    return app


class SocketMode:
    """Socket Mode for ``app``: ``connect()`` starts receiving in the background, ``close()``."""

    def __init__(self, app: App, app_token: str) -> None:
        # apps.connections.open goes through the app's WebClient (SLACK_API_URL, timeout).
        self._handler = SocketModeHandler(app, app_token, web_client=app.client,
                                          logger=logging.getLogger("bot.slack.socket"))

    def connect(self) -> None:
        """Open the WebSocket connection (non-blocking)."""
        self._handler.connect()  # type: ignore[no-untyped-call]  # slack_bolt leaves it untyped

    def close(self) -> None:
        """Stop receiving and close the connection."""
        self._handler.close()  # type: ignore[no-untyped-call]  # slack_bolt leaves it untyped


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

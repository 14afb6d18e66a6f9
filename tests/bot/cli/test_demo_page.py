"""``crosswalk demo`` writes crosswalk-demo/index.html: everything the bot posted, one file.

The demo runs once for the module, as a user runs it (the real executable, only PATH and
HOME). The page is checked against the manifest the demo writes beside it, with an oracle of
its own (mrkdwn read into plain runs of text, here, not by the renderer), then opened in
headless Chromium when there is one — and on CI there must be.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib import image as mpimg

from bot.cli.demo_page import SlashReply, collect, write_demo_page
from integrations.sandbox.slack.state import SlackChannel, SlackMessage
from integrations.sandbox.slack.wire import im_channel_id
from tests.support.html_dom import flat, parse
from tests.support.slack_world import ALICE, BOB, BOT, CHANNEL, make_world


@dataclass(frozen=True)
class DemoRun:
    cwd: Path
    stdout: str
    page: Path
    manifest: dict[str, Any]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    cwd = tmp_path_factory.mktemp("demo-cwd")
    crosswalk = shutil.which("crosswalk", path=str(Path(sys.executable).parent))
    assert crosswalk is not None
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd)}
    result = subprocess.run(
        [crosswalk, "demo", "--dir", str(cwd / "demo")], env=env, cwd=cwd,
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    folder = cwd / "crosswalk-demo"
    manifest = json.loads((folder / "messages.json").read_text(encoding="utf-8"))
    return DemoRun(cwd, result.stdout, folder / "index.html", manifest)


# ---------------------------------------------------------------- collecting the record

DM = im_channel_id(BOB)
PNG = b"\x89PNG\r\n\x1a\nchart"


def recorded_world() -> Any:
    """A Slack record with one of each: a message and its thread reply, a reply whose parent
    is not there, an edited message, a DM, an ephemeral, two response_url replies (one whose
    command is unknown), an uploaded chart and a Home view."""
    world = make_world()
    slack = world.slack
    slack.channels[DM] = SlackChannel(DM, DM, is_private=True, is_im=True, members={BOT, BOB})
    slack.files["F1"] = {"id": "F1", "name": "c.png", "title": "chart", "bytes": PNG}
    slack.messages += [
        SlackMessage(CHANNEL, "1796209200.000100", "digest", [
            {"type": "header", "text": {"type": "plain_text", "text": "Weekly digest"}}], BOT,
            edited=True),
        SlackMessage(CHANNEL, "1796209200.000200", "", [], BOT,
                     thread_ts="1796209200.000100", files=["F1"]),
        SlackMessage(CHANNEL, "1796209200.000300", "<script>alert(1)</script> late", [], BOT,
                     thread_ts="1796000000.000100"),
        SlackMessage(DM, "1796209200.000400", "PAY-41 has waited", [], BOT),
    ]
    slack.ephemeral.append(SlackMessage(CHANNEL, "1796209200.000250", "only you", [], ALICE))
    slack.responses += [
        {"id": "R000001", "response_type": "ephemeral", "text": "summary", "blocks": []},
        {"id": "R000009", "response_type": "in_channel", "text": "who asked?", "blocks": []},
    ]
    slack.views[ALICE] = {"type": "home", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Waiting on you*"}}]}
    return world


def test_collect_groups_the_record_by_channel_dm_and_home() -> None:
    slash = [SlashReply("R000001", CHANNEL, ALICE, "/crosswalk summary")]
    conversations, names, images, manifest = collect(recorded_world().slack, slash)
    assert [(c.anchor, c.title, c.kind) for c in conversations] == [
        ("c-payments", "#payments", "channel"), ("dm-U0BOB00001", "Bob Baker", "dm"),
        ("home-U0ALICE001", "App Home · Alice Archer", "home"),
        ("replies", "Slash-command replies", "replies"),
    ]
    payments = conversations[0].posts
    assert [p.anchor for p in payments] == [
        "m-C0PAYMENTS-1796209200_000100", "e-C0PAYMENTS-1796209200_000250",
        "m-C0PAYMENTS-1796209200_000300", "r-R000001-0"]
    digest, ephemeral, orphan, reply = payments
    assert digest.edited and [r.files for r in digest.replies] == [("F1",)]
    assert digest.when == "Wed 02 Dec 11:00" and digest.author == "Crosswalk"
    assert ephemeral.only_you == "Alice Archer" and orphan.text.endswith(" late")
    assert (reply.intro, reply.only_you) == ("Alice Archer used /crosswalk summary",
                                             "Alice Archer")
    unknown = conversations[3].posts[0]
    assert (unknown.text, unknown.intro, unknown.only_you) == ("who asked?", "", "")
    assert conversations[2].posts[0].author == ""  # a Home view has no sender
    assert names.users[BOB] == "Bob Baker" and names.channels[CHANNEL] == "payments"
    assert DM not in names.channels and images["F1"].data == PNG
    assert [(e["kind"], e["channel_name"], e.get("to")) for e in manifest["posts"]] == [
        ("reply", "payments", None), ("message", "payments", None),
        ("message", "payments", None), ("dm", "", BOB), ("ephemeral", "payments", ALICE),
        ("response", "payments", ALICE), ("response", "", ""), ("home", "", ALICE),
    ]


def test_write_demo_page_writes_the_page_and_its_manifest(tmp_path: Path) -> None:
    page = write_demo_page(recorded_world(), tmp_path / "crosswalk-demo")
    assert page == tmp_path / "crosswalk-demo" / "index.html"
    html = page.read_text(encoding="utf-8")
    manifest = json.loads((tmp_path / "crosswalk-demo" / "messages.json").read_text())
    assert len(manifest["posts"]) == html.count("<article") == 8
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; late" in html
    assert parse(html).flat_text().startswith(
        "Crosswalk demo: everything the bot posted Acme workspace (sandbox scenario "
        "'slack-test', seed 1) · 8 posts in 4 places")


# ---------------------------------------------------------------- the oracle

_MARKERS = re.compile(r"[*_~`]")


def _slack_text(text: str) -> str:
    return re.sub(r"&(lt|gt|amp);", lambda m: {"lt": "<", "gt": ">", "amp": "&"}[m[1]], text)


def pieces(mrkdwn: str) -> list[str]:
    """The runs of plain text a reader must see: split at <…> tokens (their link labels
    kept) and :emoji:, one line at a time, markers, bullets and quote marks left out."""
    found = []
    for line in mrkdwn.splitlines():
        labels = re.findall(r"<https?://[^|<>]*\|([^<>]*)>", line)
        for part in [*re.split(r"<[^<>]*>|:[a-z0-9_+-]+:", line), *labels]:
            part = _slack_text(part).strip()
            part = re.sub(r"^(?:[•◦▪]|>)\s*", "", part)
            part = flat(_MARKERS.sub("", part))
            if len(part) >= 3 and re.search(r"\w", part):
                found.append(part)
    return found


def texts_of(node: Any) -> Iterator[str]:
    """Every text object's text in a block tree (mrkdwn and plain_text alike)."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from texts_of(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts_of(value)


def post_text(html: str, anchor: str) -> str:
    """The visible text of one post: from its element to the next post or section end."""
    start = html.index(f'id="{anchor}"')
    ends = [i for i in (html.find("<article", start), html.find("</section>", start)) if i > 0]
    return _MARKERS.sub("", parse(html[html.rindex("<", 0, start):min(ends)]).flat_text())


def assert_every_post_is_shown(html: str, manifest: dict[str, Any]) -> None:
    posts = manifest["posts"]
    assert posts
    for post in posts:
        shown = post_text(html, post["anchor"])
        expected = pieces(post["text"]) + [p for t in texts_of(post["blocks"]) for p in pieces(t)]
        assert expected or post["files"], post
        missing = [p for p in expected if p not in shown]
        assert not missing, (post["kind"], post["anchor"], missing)


# ---------------------------------------------------------------- the page


def test_demo_writes_its_page_in_the_working_directory_and_names_it(demo: DemoRun) -> None:
    assert demo.page.is_file()
    assert (demo.cwd / "crosswalk-demo" / "messages.json").is_file()
    assert not (demo.cwd / "demo" / "crosswalk-demo").exists()  # the cwd, not --dir
    assert "   Everything the bot posted: crosswalk-demo/index.html\n" in demo.stdout


def test_demo_page_has_every_kind_of_post_the_demo_makes(demo: DemoRun) -> None:
    kinds = Counter(p["kind"] for p in demo.manifest["posts"])
    # three digests and the alerts' channel posts; one chart reply per digest in its thread;
    # alert DMs; two slash-command replies; one App Home
    assert kinds["message"] >= 6 and kinds["reply"] == 3 and kinds["dm"] >= 4
    assert kinds["response"] == 2 and kinds["home"] == 1
    replies = [p for p in demo.manifest["posts"] if p["kind"] == "reply"]
    assert all(p["files"] and p["thread_ts"] for p in replies)
    responses = [p for p in demo.manifest["posts"] if p["kind"] == "response"]
    assert {p["channel_name"] for p in responses} == {"payments"}


def test_demo_page_shows_the_text_of_everything_the_sandbox_recorded(demo: DemoRun) -> None:
    html = demo.page.read_text(encoding="utf-8")
    assert_every_post_is_shown(html, demo.manifest)
    text = parse(html).flat_text()
    assert "Only visible to you (shown to " in text and "used /crosswalk summary" in text


def heading_over(html: str, anchor: str) -> str:
    """The heading of the section a post is in."""
    start = html.rindex("<section", 0, html.index(f'id="{anchor}"'))
    return parse(html[start:html.index("</h2>", start)]).flat_text()


def test_posts_are_grouped_by_channel_dm_and_home(demo: DemoRun) -> None:
    html = demo.page.read_text(encoding="utf-8")
    users = demo.manifest["users"]
    seen = set()
    for post in demo.manifest["posts"]:
        heading = heading_over(html, post["anchor"])
        seen.add(heading)
        if post["kind"] == "dm":
            assert heading == f"{users[post['to']]} direct message"
        elif post["kind"] == "home":
            assert heading == f"App Home · {users[post['to']]} App Home"
        else:
            assert heading == f"#{post['channel_name']} channel", post["anchor"]
    assert {"#payments channel", "#checkout channel", "#storefront channel"} <= seen
    assert len([h for h in seen if h.endswith("direct message")]) >= 2


def test_thread_replies_sit_under_their_digest(demo: DemoRun) -> None:
    html = demo.page.read_text(encoding="utf-8")
    for reply in (p for p in demo.manifest["posts"] if p["kind"] == "reply"):
        parent = next(p for p in demo.manifest["posts"]
                      if p["channel"] == reply["channel"] and p["ts"] == reply["thread_ts"])
        start = html.index(f'id="{parent["anchor"]}"')
        thread = html.index('<div class="thread">', start)
        assert start < thread < html.index(f'id="{reply["anchor"]}"')
        assert "Crosswalk weekly digest" in post_text(html, parent["anchor"])


def test_demo_page_is_one_self_contained_file(demo: DemoRun) -> None:
    html = demo.page.read_text(encoding="utf-8")
    dom = parse(html)
    assert dom.names().isdisjoint({"link", "script", "iframe", "object", "embed", "base"})
    style = html[html.index("<style>"):html.index("</style>")]
    assert not re.search(r"url\(|@import|@font-face|https?:", style)
    sources = dom.values("src")
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    # Each chart, the very PNG the demo saved, is embedded (in the digest and its thread).
    for chart in sorted((demo.cwd / "demo").glob("*.png")):
        assert sources.count("data:image/png;base64," + base64.b64encode(
            chart.read_bytes()).decode()) == 2, chart.name
    # Links go to anchors of this page, or are links the bot wrote in its messages.
    ids = set(dom.values("id"))
    written = {_slack_text(u) for u in re.findall(r"<(https?://[^|<>]+)",
                                                  json.dumps(demo.manifest["posts"]))}
    for href in dom.values("href"):
        assert href[1:] in ids if href.startswith("#") else href in written, href


# ---------------------------------------------------------------- in a browser


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and no chromium on PATH: .ci/run installs Debian's chromium")
        pytest.skip("no chromium or chromium-browser on PATH: the page is not opened in a "
                    "browser here (CI installs one)")
    return found


def _chromium(chromium: str, home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={home / 'profile'}", *args],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(home)}, capture_output=True,
        timeout=180, check=False,
    )


@pytest.mark.parametrize(("width", "height"), [(1280, 2000), (390, 2000)])
def test_page_renders_in_chromium_on_a_laptop_and_a_phone(
    demo: DemoRun, chromium: str, tmp_path: Path, width: int, height: int,
) -> None:
    shot = tmp_path / "page.png"
    result = _chromium(chromium, tmp_path / "home", f"--screenshot={shot}",
                       f"--window-size={width},{height}", demo.page.as_uri())
    assert shot.is_file(), result.stderr.decode(errors="replace")[-2000:]
    pixels = np.asarray(mpimg.imread(shot))
    assert pixels.shape[:2] == (height, width)
    rgb = (pixels[..., :3] * 255).round().astype(np.uint32)
    colours = Counter((rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2]).ravel().tolist())
    background = colours.most_common(1)[0][1] / (width * height)
    assert len(colours) > 200  # text, buttons and a chart: not a blank or one-colour page
    assert background < 0.85, f"{background:.0%} of the screenshot is one colour"


def test_every_post_is_in_the_dom_chromium_builds(
    demo: DemoRun, chromium: str, tmp_path: Path,
) -> None:
    result = _chromium(chromium, tmp_path / "home", "--dump-dom", demo.page.as_uri())
    dom = result.stdout.decode("utf-8")
    assert result.returncode == 0 and "</html>" in dom, result.stderr.decode()[-2000:]
    source = demo.page.read_text(encoding="utf-8")
    assert dom.count("<article") == source.count("<article") == len(
        [p for p in demo.manifest["posts"]])
    assert "<script" not in dom
    assert_every_post_is_shown(dom, demo.manifest)
